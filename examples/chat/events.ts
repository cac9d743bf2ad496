// The chat's source of truth: every message is a record in `messages`, keyed by room. A room's
// messages therefore live in one partition, and their offsets are the room's total order: every
// client shows them in offset order, and "what did I miss" is "everything after the last
// offset I saw".
export const MESSAGES = 'messages';

export interface ChatMessage {
  messageId: string;
  room: string;
  sender: string;
  text: string;
  sentAt: number;
}

/** A message as clients see it: with its place in the room's order. */
export interface Delivered extends ChatMessage {
  partition: number;
  offset: string;
}

/** Positions, partition -> next offset, as decimal strings (JSON has no bigint). */
export type Positions = Record<string, string>;

/** Server -> client frames. */
export type ServerFrame =
  | { type: 'welcome'; room: string; livePositions: Positions }
  | { type: 'message'; message: Delivered }
  | { type: 'ack'; clientRef: string; partition: number; offset: string };

/** Client -> server frames. */
export type ClientFrame = { type: 'send'; clientRef: string; text: string };
