/**
 * onnxruntime-node 1.30 bundles Microsoft's 1DS telemetry SDK. Left on, every process that loads it
 * resolves and contacts mobile.events.data.microsoft.com (~10 s after start, then in bursts), keeps an
 * event store and a device id under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/, and writes
 * `$TMPDIR/.ses` and `$TMPDIR/mat-debug-<pid>.log`. The runtime reads one switch,
 * ORT_DISABLE_TELEMETRY, from the process environment when it initialises: with it set, none of
 * that happens (test/unit/privacy.test.ts). Diffuse promises no network calls, so it is always set.
 */
const RUNTIME_TELEMETRY_OFF: Readonly<Record<string, string>> = { ORT_DISABLE_TELEMETRY: '1' };

/**
 * Sets the switch in this process: import this module before anything that loads onnxruntime-node
 * (an import is evaluated in order, so `import './runtimeTelemetry'` first is enough).
 */
Object.assign(process.env, RUNTIME_TELEMETRY_OFF);
