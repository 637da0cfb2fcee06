// postMessage between the host page's loader and the chat frame. Each side checks the
// sender's origin and window before reading one of these.

export type HostMessage = { gw1022: 'host'; type: 'visible'; value: boolean };

export type FrameMessage =
  | { gw1022: 'frame'; type: 'ready' }
  | { gw1022: 'frame'; type: 'close' }
  /** The visitor has a conversation: the loader loads the frame at once on later pages. */
  | { gw1022: 'frame'; type: 'session' }
  | { gw1022: 'frame'; type: 'unread'; count: number };
