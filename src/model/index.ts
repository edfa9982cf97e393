export { loadModel } from './loadModel';
export type { LoadedModel, LoadOptions } from './loadModel';
export { EXECUTION_PROVIDER_CHOICES, type ExecutionProviderChoice } from './executionProviders';
export type { ModelMeta } from './meta';
export { findModels, modelKind, resolveModel } from './registry';
export type { ModelEntry } from './registry';
