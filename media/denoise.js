// The "Denoising" view: sampler settings bound to the user's settings (through the extension),
// and the last fill's trace, named, scrubbable by step and replayable; where one "Diffuse fill" filled its
// holes one after another, each hole's, stepped through. Runs in the webview under a nonce CSP.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
  const steps = $('steps'), stepsValue = $('stepsValue'), strategy = $('strategy');
  const threshold = $('threshold'), temperature = $('temperature');
  const stepsHint = $('stepsHint'), stepsReset = $('stepsReset'), defaultMark = $('defaultMark');
  const scrub = $('scrub'), scrubValue = $('scrubValue'), colour = $('colour'), traceBox = $('trace');
  const origin = $('origin'), replay = $('replay');
  const holes = $('holes'), holeValue = $('holeValue'), prevHole = $('prevHole'), nextHole = $('nextHole');
  /** @typedef {{steps: number, tokens: {text: string, step: number, confidence: number, pad: boolean, hole: number}[]}} Trace */
  /** The last request's traces (one per fill), each with its caption, its "hole k of N" label and, for a fill of several holes, each hole's line. @type {{trace: Trace, caption: string, label: string, holeLabels?: string[]}[]} */
  let traces = vscode.getState()?.traces ?? [];
  /** Which of them is shown. */
  let shown = vscode.getState()?.shown ?? traces.length - 1;
  /** @type {Trace | undefined} */
  let trace;
  /** Each hole's line where the shown fill has several holes (a label above each hole's tokens). @type {string[] | undefined} */
  let holeLabels;
  let defaultSteps = 0;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let replaying;
  colour.value = vscode.getState()?.colour ?? 'step';

  const send = (key, value) => vscode.postMessage({ type: 'set', key, value });
  // The slider writes on release (change), not on every pixel (input), so a drag is one settings write.
  steps.addEventListener('input', () => { stepsValue.textContent = steps.value; });
  steps.addEventListener('change', () => send('steps', Number(steps.value)));
  stepsReset.addEventListener('click', () => send('steps', defaultSteps));
  strategy.addEventListener('change', () => send('strategy', strategy.value));
  threshold.addEventListener('change', () => send('threshold', clampNumber(threshold)));
  temperature.addEventListener('change', () => send('temperature', clampNumber(temperature)));
  scrub.addEventListener('input', () => { stopReplay(); render(); });
  // The replay walks the scrubber from step 0 to the last, one step per tick.
  replay.addEventListener('click', () => {
    if (!trace) return;
    stopReplay();
    scrub.value = '0';
    render();
    const tickMs = Math.max(150, Math.min(600, 3000 / trace.steps));
    replaying = setInterval(() => {
      scrub.value = String(Number(scrub.value) + 1);
      render();
      if (Number(scrub.value) >= Number(scrub.max)) stopReplay();
    }, tickMs);
  });
  colour.addEventListener('change', () => { saveState(); render(); });
  prevHole.addEventListener('click', () => show(shown - 1));
  nextHole.addEventListener('click', () => show(shown + 1));

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message.type === 'settings') {
      steps.max = String(message.maxSteps);
      steps.value = String(message.steps);
      stepsValue.textContent = String(message.steps);
      defaultSteps = message.defaultSteps;
      defaultMark.value = String(defaultSteps);
      stepsHint.textContent = message.hint;
      // The default's place on the track (the thumb's centre runs from half a thumb in to half a thumb short).
      const at = (defaultSteps - Number(steps.min)) / Math.max(1, Number(steps.max) - Number(steps.min));
      $('defaultTick').style.setProperty('--at', String(at));
      stepsReset.hidden = message.steps === defaultSteps;
      strategy.value = message.strategy;
      threshold.value = String(message.threshold);
      temperature.value = String(message.temperature);
    } else if (message.type === 'traces') {
      // the newest fill's, so that a request's holes show as they are filled; the arrows step back.
      // The answer to `ready` (the view shown again) keeps the hole the user had on screen, if it is
      // still the same fill's (its caption names the fill's time).
      const kept = message.restore && message.traces[shown]?.caption === traces[shown]?.caption;
      traces = message.traces;
      show(kept ? shown : traces.length - 1);
    }
  });

  /** Shows trace `index` of the request's (kept in range), all its tokens revealed. */
  function show(index) {
    stopReplay();
    shown = Math.max(0, Math.min(traces.length - 1, index));
    const entry = traces[shown];
    trace = entry?.trace;
    holeLabels = entry?.holeLabels;
    origin.textContent = entry?.caption ?? '';
    holes.hidden = traces.length < 2;
    holeValue.textContent = entry?.label ?? '';
    prevHole.disabled = shown <= 0;
    nextHole.disabled = shown >= traces.length - 1;
    scrub.max = String(trace?.steps ?? 0);
    scrub.value = scrub.max;
    saveState();
    render();
  }

  function clampNumber(input) {
    const value = Number(input.value);
    return Math.min(Number(input.max), Math.max(Number(input.min), Number.isFinite(value) ? value : 0));
  }

  function saveState() {
    vscode.setState({ traces, shown, colour: colour.value });
  }

  function stopReplay() {
    clearInterval(replaying);
    replaying = undefined;
  }

  function render() {
    traceBox.replaceChildren();
    if (!trace || trace.tokens.length === 0) {
      traceBox.textContent = traceBox.dataset.empty;
      scrub.disabled = true;
      replay.disabled = true;
      return;
    }
    scrub.disabled = false;
    replay.disabled = false;
    scrub.max = String(trace.steps);
    const at = Number(scrub.value);
    scrubValue.textContent = `${at} / ${trace.steps}`;
    let hole = -1;
    for (const token of trace.tokens) {
      if (token.hole !== hole) {
        hole = token.hole;
        if (hole > 0) traceBox.append(document.createElement('hr'));
        if (holeLabels?.[hole]) {
          const label = document.createElement('div');
          label.className = 'hole-line';
          label.textContent = holeLabels[hole];
          traceBox.append(label);
        }
      }
      const span = document.createElement('span');
      span.setAttribute('role', 'listitem');
      const revealed = token.step > 0 && token.step <= at;
      span.className = 'token' + (revealed ? '' : ' masked') + (token.pad ? ' pad' : '') + (token.step === at ? ' latest' : '');
      span.textContent = !revealed ? '▒' : token.pad ? '∅' : visible(token.text);
      const conf = Number.isFinite(token.confidence) ? token.confidence : 0;
      span.title = revealed ? `step ${token.step}, p = ${conf.toFixed(3)}` : `masked until step ${token.step}`;
      if (revealed) {
        // Colour strength: late reveals / low confidence are strongest, so doubt stands out.
        const weight = colour.value === 'confidence' ? 1 - conf : trace.steps > 1 ? (token.step - 1) / (trace.steps - 1) : 0;
        span.style.setProperty('--weight', `${Math.round(15 + 70 * weight)}%`);
        span.classList.add(colour.value === 'confidence' ? 'by-confidence' : 'by-step');
      }
      traceBox.append(span);
    }
  }

  function visible(text) {
    return text.replace(/\n/g, '↵\n').replace(/\t/g, '→') || '·';
  }

  show(shown);
  vscode.postMessage({ type: 'ready' });
})();
