// postMessage between the host page's loader and the chat frame. Each side checks the
// sender's origin and window before reading one of these.

export type HostMessage = { gw1022: 'host'; type: 'visible'; value: boolean };

export type FrameMessage =
  | { gw1022: 'frame'; type: 'ready' }
  | { gw1022: 'frame'; type: 'close' }
  | { gw1022: 'frame'; type: 'unread'; count: number };
