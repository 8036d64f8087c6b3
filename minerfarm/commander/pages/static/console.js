// The miner console: new lines over the page's websocket (a static file: the CSP allows no
// inline script).
(() => {
  const log = document.getElementById("miner-log"), status = document.getElementById("log-status");
  let after = Number(log.dataset.after), wait = 1000;
  const keep = 2000;
  function add(lines) {
    for (const l of lines) {
      const span = document.createElement("span");
      span.className = "line";
      span.textContent = `${l.ts} [${l.playbook_id ?? "-"}] ${l.line}\n`;
      log.appendChild(span);
      after = l.id;
    }
    while (log.children.length > keep) log.removeChild(log.firstChild);
    log.scrollTop = log.scrollHeight;
  }
  function connect() {
    const url = new URL(log.dataset.ws, location.href);
    url.protocol = url.protocol.replace("http", "ws");
    url.searchParams.set("after", after);
    const ws = new WebSocket(url);
    ws.onopen = () => { status.textContent = "Live."; wait = 1000; };
    ws.onmessage = (event) => add(JSON.parse(event.data));
    ws.onclose = () => { status.textContent = "Reconnecting…"; setTimeout(connect, wait); wait = Math.min(wait * 2, 30000); };
  }
  connect();
})();
