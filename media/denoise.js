// The "Denoising" view: sampler settings bound to the user's settings (through the extension),
// and the last fill's trace, scrubbable by step. Runs in the webview under a nonce CSP.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
  const steps = $('steps'), stepsValue = $('stepsValue'), strategy = $('strategy');
  const threshold = $('threshold'), temperature = $('temperature');
  const scrub = $('scrub'), scrubValue = $('scrubValue'), colour = $('colour'), traceBox = $('trace');
  /** @type {{steps: number, tokens: {text: string, step: number, confidence: number, pad: boolean, hole: number}[]} | undefined} */
  let trace = vscode.getState()?.trace;
  colour.value = vscode.getState()?.colour ?? 'step';

  const send = (key, value) => vscode.postMessage({ type: 'set', key, value });
  // The slider writes on release (change), not on every pixel (input), so a drag is one settings write.
  steps.addEventListener('input', () => { stepsValue.textContent = steps.value; });
  steps.addEventListener('change', () => send('steps', Number(steps.value)));
  strategy.addEventListener('change', () => send('strategy', strategy.value));
  threshold.addEventListener('change', () => send('threshold', clampNumber(threshold)));
  temperature.addEventListener('change', () => send('temperature', clampNumber(temperature)));
  scrub.addEventListener('input', render);
  colour.addEventListener('change', () => { saveState(); render(); });

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message.type === 'settings') {
      steps.max = String(message.maxSteps);
      steps.value = String(message.steps);
      stepsValue.textContent = String(message.steps);
      strategy.value = message.strategy;
      threshold.value = String(message.threshold);
      temperature.value = String(message.temperature);
    } else if (message.type === 'trace') {
      trace = message.trace;
      scrub.max = String(trace.steps);
      scrub.value = String(trace.steps);
      saveState();
      render();
    }
  });

  function clampNumber(input) {
    const value = Number(input.value);
    return Math.min(Number(input.max), Math.max(Number(input.min), Number.isFinite(value) ? value : 0));
  }

  function saveState() {
    vscode.setState({ trace, colour: colour.value });
  }

  function render() {
    traceBox.replaceChildren();
    if (!trace || trace.tokens.length === 0) {
      traceBox.textContent = traceBox.dataset.empty;
      scrub.disabled = true;
      return;
    }
    scrub.disabled = false;
    scrub.max = String(trace.steps);
    const at = Number(scrub.value);
    scrubValue.textContent = `${at} / ${trace.steps}`;
    let hole = -1;
    for (const token of trace.tokens) {
      if (token.hole !== hole) {
        hole = token.hole;
        if (hole > 0) traceBox.append(document.createElement('hr'));
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

  render();
  vscode.postMessage({ type: 'ready' });
})();
