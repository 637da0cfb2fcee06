// New-conversation alerts: a browser notification and a short chime made with WebAudio (no
// sound file to fetch). The agent can turn both off; the choice stays on this browser.

const storageKey = 'inbox.alerts';

export const alertsEnabled = () => localStorage.getItem(storageKey) !== 'off';

export async function setAlertsEnabled(on: boolean): Promise<void> {
  localStorage.setItem(storageKey, on ? 'on' : 'off');
  // Asked only after a click: browsers refuse permission prompts nobody asked for.
  if (on && 'Notification' in window && Notification.permission === 'default') await Notification.requestPermission();
}

let audio: AudioContext | null = null;

export function chime(): void {
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (const [i, frequency] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = frequency;
      const start = now + i * 0.18;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.17);
    }
  } catch {
    // No audio device (or autoplay refused before any click): the notification still shows.
  }
}

export function notifyNewConversation(title: string, body: string, onClick: () => void): void {
  if (!alertsEnabled()) return;
  chime();
  if ('Notification' in window && Notification.permission === 'granted') {
    const n = new Notification(title, { body, tag: title });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  }
}
