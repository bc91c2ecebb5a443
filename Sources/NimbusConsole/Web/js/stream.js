// The account's live stream at `/cayenne/stream/`: socket.io v2 over Engine.IO v3 on a WebSocket, the protocol the
// Cayenne sample app and socket.io-client 2.x speak. Browsers cannot set headers on a WebSocket, so the token goes in
// the query, as the sample app sends it (Nimbus never logs queries). Pings keep the connection up; a closed stream
// opens again with a fresh token, waiting longer after each failure (1 s doubling to 30 s).
import { accessToken } from "./auth.js";

export function openStream(path, { onEvent, onState }) {
  let socket = null;
  let pinger = null;
  let stopped = false;
  let delay = 1000;

  async function connect() {
    const token = await accessToken();
    if (!token || stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ EIO: "3", transport: "websocket", token });
    socket = new WebSocket(`${scheme}://${location.host}${path}?${query}`);
    socket.onmessage = (message) => {
      const text = String(message.data);
      if (text.startsWith("0")) {
        // Engine.IO open: {sid, pingInterval, pingTimeout, upgrades}.
        const open = JSON.parse(text.slice(1));
        clearInterval(pinger);
        pinger = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send("2"), open.pingInterval || 25000);
        delay = 1000;
        onState("live");
      } else if (text.startsWith("42")) {
        const [name, payload] = JSON.parse(text.slice(2));
        onEvent(name, payload);
      }
    };
    socket.onclose = () => {
      clearInterval(pinger);
      onState("reconnecting");
      if (stopped) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
  return {
    close() {
      stopped = true;
      clearInterval(pinger);
      if (socket) socket.close();
    },
  };
}
