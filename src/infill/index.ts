export { InfillEngine } from './engine';
export { DEFAULT_INFILL_OPTIONS, defaultSteps, TEMPERATURE_RANGE } from './defaults';
export { holeShape, type HoleKind, type HoleShape } from './holeShape';
export { columnAfter, nextTabStop, normalizeIndentation, requestForModel, type IndentStyle } from './indentation';
export { postProcess } from './postprocess';
export type { SyntaxChecker } from './syntax';
export { TraceRecorder, type DenoiseTrace, type TraceToken } from './trace';
export type { Candidate, FillPlan, Hole, HoleFill, HoleLayout, InfillHooks, InfillOptions, InfillRequest, InfillResult } from './types';
