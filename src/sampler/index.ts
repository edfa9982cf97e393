/** The sampler layer: pure float64 masked-diffusion sampling over a `Denoiser` (docs/engine-api.md). */
export type { Canvas, Kernel, RevealSchedule, SampleOptions, SampleResult, StepInfo, Strategy } from './api';
export { KERNELS, REVEAL_SCHEDULES, STRATEGIES, thresholdUnder } from './api';
export { sample } from './loop/sample';
export type { CondKind, ContextCacheRequest, DenoiseRequest, Denoiser, DiffusionSpec, Family, Graph, OutputKind, Schedule, ScheduleType, SphereLayout } from './types';
export { logitsWidth } from './types';
