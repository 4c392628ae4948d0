/** The demo page: type a number, see "calculating…", then the result; several requests in flight at once. */
export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Strand: factorials</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; }
  input { font-size: 1.2rem; width: 14rem; }
  button { font-size: 1.2rem; }
  li { margin: .3rem 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
  .pending { color: #a60; } .done { color: #070; } .failed { color: #b00; }
</style>
</head>
<body>
<h1>n!</h1>
<p>Each request is a Strand process. Try <code>999999999</code> a few times, then <code>10000</code>: the small one still answers at once.</p>
<form id="f"><input id="n" type="number" min="0" value="10000" aria-label="n"> <button>compute</button></form>
<ol id="results" reversed></ol>
<script>
const results = document.getElementById('results');
document.getElementById('f').addEventListener('submit', async (event) => {
  event.preventDefault();
  const n = document.getElementById('n').value;
  const item = document.createElement('li');
  item.className = 'pending';
  item.textContent = n + '! calculating…';
  results.prepend(item);
  const started = performance.now();
  try {
    const response = await fetch('/factorial?n=' + encodeURIComponent(n));
    const ms = Math.round(performance.now() - started);
    if (!response.ok) throw new Error(await response.text());
    const r = await response.json();
    item.className = 'done';
    item.textContent = r.value !== undefined
      ? n + '! = ' + r.value + ' (' + ms + ' ms)'
      : n + '! has ' + r.digits.toLocaleString() + ' digits (' + ms + ' ms)';
  } catch (error) {
    item.className = 'failed';
    item.textContent = n + '! failed: ' + error.message;
  }
});
</script>
</body>
</html>
`;
