// The WhatsApp number's state and alerts in the words a duty officer uses (the WhatsApp view and
// the alert banner over every view).

/** A code as words: "account_refused" → "account refused". */
export const words = (s) => String(s ?? 'unknown').replace(/_/g, ' ');

/** The transport's connection state (src/transport/chat-transport.ts ConnectionState) as an officer says it. */
const STATE_WORDS = {
  open: 'connected',
  connecting: 'connecting…',
  closed: 'disconnected',
  logged_out: 'logged out: link the phone again',
  waiting_for_pairing: 'waiting for the phone to be linked',
  unknown: 'unknown: no report from the gateway',
};
export const stateWords = (state) => STATE_WORDS[state ?? 'unknown'] ?? words(state);
