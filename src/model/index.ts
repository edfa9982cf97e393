export { loadModel } from './loadModel';
export type { LoadedModel, LoadOptions } from './loadModel';
export type { ExecutionProviderChoice } from './executionProviders';
export type { ModelMeta } from './meta';
export { findModels, modelKind, resolveModel } from './registry';
export type { ModelEntry } from './registry';
