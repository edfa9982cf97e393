export { loadModel } from './runtime/loadModel';
export { CARRY_MAX_CHAIN } from './runtime/onnxDenoiser';
export type { LoadedModel, LoadOptions } from './runtime/loadModel';
export { EXECUTION_PROVIDER_CHOICES, type ExecutionProviderChoice } from './runtime/executionProviders';
export type { ModelMeta } from './folder/meta';
export { findModels, isBundledName, modelKind, modelSetting, resolveModel, workspaceModelSetting } from './folder/registry';
export type { ModelEntry } from './folder/registry';
