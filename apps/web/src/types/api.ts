// Hand-typed mirror of /work/shared/docs/api.md — the one place that describes the HTTP and
// socket.io contract for the web app. Keep it in step with api.md.

export type Uuid = string;
/** ISO 8601 with time zone. */
export type IsoDateTime = string;

export type Role = 'ADMIN' | 'SUPERVISOR' | 'AGENT';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface ApiErrorBody {
  error: { code: string; message: string; fields?: unknown };
}

export interface Ref {
  id: Uuid;
  name: string;
}

// --- auth -------------------------------------------------------------------------------

export interface AuthUser {
  id: Uuid;
  email: string;
  name: string;
  role: Role;
}

export interface Me extends AuthUser {
  teams: Ref[];
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
}

export interface LoginResponse extends TokenPair {
  user: AuthUser;
}

// --- administration ---------------------------------------------------------------------

export interface User extends AuthUser {
  /** Not in api.md's text; read when the server sends it. */
  is_active?: boolean;
  teams?: Ref[];
}

export interface UserCreate {
  email: string;
  name: string;
  password: string;
  role: Role;
  team_ids?: Uuid[];
}

export interface UserUpdate {
  name?: string;
  role?: Role;
  team_ids?: Uuid[];
  password?: string;
}

export interface Team {
  id: Uuid;
  name: string;
  /** Read when the server sends it (used for transfer targets and the members editor). */
  members?: Ref[];
}

export interface NumberSummary {
  id: Uuid;
  label: string;
  display_phone_number: string;
}

export interface WhatsAppNumber extends NumberSummary {
  phone_number_id: string;
  waba_id: string | null;
  /** The server answers with `default_team`; `default_team_id` is accepted as a fallback. */
  default_team?: Ref | null;
  default_team_id?: Uuid | null;
  simulated: boolean;
  is_active?: boolean;
  /** Whether a per-number token is stored (the token itself is never returned). */
  has_access_token?: boolean;
}

export interface NumberCreate {
  phone_number_id: string;
  display_phone_number: string;
  label: string;
  waba_id?: string;
  /** Write-only: never returned by the server, never shown. */
  access_token?: string;
  default_team_id?: Uuid | null;
  simulated?: boolean;
}

export type NumberUpdate = Partial<NumberCreate>;

export interface Contact {
  id: Uuid;
  name: string | null;
  wa_id: string | null;
  user_id: string | null;
}

// --- conversations & messages -----------------------------------------------------------

export type ConversationStatus = 'open' | 'resolved';
export type ConversationView = 'mine' | 'team' | 'unassigned' | 'all';
export type MessageDirection = 'inbound' | 'outbound';
export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';

/** Meta's error on a failed send; a transport failure may have no code. */
export interface MessageError {
  code: number | string | null;
  title: string | null;
  details?: string | null;
}

export interface MessageReplyTo {
  /** null when the quoted message is not stored (only its wamid is known). */
  id: Uuid | null;
  wamid: string;
  text: string | null;
  direction: MessageDirection | null;
}

export interface MessageMedia {
  mime_type: string;
  size: number | null;
  filename: string | null;
  caption: string | null;
  status: 'pending' | 'ready' | 'failed';
  /** A signed link, valid for a few minutes; a fresh one comes with every read. */
  url: string | null;
  /** Why the file could not be fetched from Meta (status `failed`). */
  error?: string | null;
}

export type MediaKind = 'image' | 'audio' | 'video' | 'document' | 'sticker';

/** `POST /api/uploads` answer: a file checked against Meta's limits, ready to send. */
export interface MediaUpload {
  id: Uuid;
  mime_type: string;
  size: number;
  filename: string | null;
}

export interface MediaSend {
  type: MediaKind;
  upload_id: Uuid;
  /** Image, video and document only. */
  caption?: string;
}

export interface Message {
  id: Uuid;
  conversation_id: Uuid;
  direction: MessageDirection;
  /** text, image, audio, …, unsupported. */
  type: string;
  text: string | null;
  /** Outbound delivery state; inbound messages may carry `received`/`read` or null. */
  status: MessageStatus | string | null;
  wamid: string | null;
  sender: Ref | null;
  error: MessageError | null;
  reply_to?: MessageReplyTo | null;
  media?: MessageMedia | null;
  /** Customer reactions: emoji by reacting wa_id. */
  reactions?: Record<string, string> | null;
  created_at: IsoDateTime;
  timestamp: IsoDateTime | null;
}

export interface Conversation {
  id: Uuid;
  status: ConversationStatus;
  number: NumberSummary;
  contact: Contact;
  assignee: Ref | null;
  team: Ref | null;
  last_message: Message | null;
  last_message_at: IsoDateTime | null;
  last_inbound_at: IsoDateTime | null;
  unread_count: number;
  window_expires_at: IsoDateTime | null;
  first_response_at?: IsoDateTime | null;
  resolved_at?: IsoDateTime | null;
  created_at: IsoDateTime;
}

/** Open conversations per inbox tab; `all` only for ADMIN/SUPERVISOR. */
export interface ConversationCounts {
  mine: number;
  team: number;
  unassigned: number;
  all?: number;
}

export interface ConversationFilters {
  view: ConversationView;
  status?: ConversationStatus;
  number_id?: Uuid;
  team_id?: Uuid;
  q?: string;
}

/** Which assignment change a transfer row records. */
export type TransferKind = 'assign' | 'take' | 'unassign' | 'transfer';

export interface Transfer {
  id: Uuid;
  conversation_id: Uuid;
  kind: TransferKind;
  from_user: Ref | null;
  from_team: Ref | null;
  to_user: Ref | null;
  to_team: Ref | null;
  by_user: Ref | null;
  reason: string | null;
  created_at: IsoDateTime;
}

export interface AssignBody {
  assignee_id?: Uuid | null;
  team_id?: Uuid | null;
}

export interface TransferBody {
  to_user_id?: Uuid;
  to_team_id?: Uuid;
  reason?: string;
}

// --- quick replies ----------------------------------------------------------------------

export interface QuickReply {
  id: Uuid;
  /** Lowercase slug typed after "/" in the composer. */
  shortcut: string;
  /** May hold {{contact.name}}, {{agent.name}}, {{number.label}}. */
  text: string;
  /** null for a personal reply (only its owner sees it). */
  team: Ref | null;
  /** The owner of a personal reply, the author of a team one. */
  owner: Ref;
  /** Whether the caller may edit or delete it. */
  can_edit: boolean;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
}

export interface QuickReplyCreate {
  shortcut: string;
  text: string;
  /** Left out (or null) for a personal reply. */
  team_id?: Uuid | null;
}

/** The scope (personal or a team) is fixed at creation. */
export interface QuickReplyUpdate {
  shortcut?: string;
  text?: string;
}

// --- message templates ------------------------------------------------------------------

/** A component of a template as Meta defines it (HEADER, BODY, FOOTER, BUTTONS). */
export interface TemplateDefinitionComponent {
  type: string;
  /** HEADER only: TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION. */
  format?: string;
  text?: string;
  buttons?: { type: string; text?: string; url?: string; phone_number?: string }[];
  example?: unknown;
}

export type TemplateStatus =
  | 'approved'
  | 'pending'
  | 'rejected'
  | 'paused'
  | 'disabled'
  | 'in_appeal'
  | 'limit_exceeded'
  | 'locked'
  | 'archived'
  | 'pending_deletion'
  | 'deleted';

export interface MessageTemplate {
  id: Uuid;
  name: string;
  /** Meta's code, e.g. `pt_BR`; a send names it as `language.code`. */
  language: string;
  category: string | null;
  status: TemplateStatus | string;
  status_reason?: string | null;
  /** `positional` ({{1}}) or `named` ({{first_name}}). */
  parameter_format?: 'positional' | 'named' | string;
  components: TemplateDefinitionComponent[];
  updated_at?: IsoDateTime;
}

export interface TemplateSendParameter {
  type: 'text' | 'image' | 'video' | 'document';
  text?: string;
  parameter_name?: string;
  image?: { link: string };
  video?: { link: string };
  document?: { link: string };
}

export interface TemplateSendComponent {
  type: 'header' | 'body' | 'button';
  sub_type?: 'url';
  index?: string;
  parameters: TemplateSendParameter[];
}

/** The `template` of a send, exactly Meta's shape. */
export interface TemplateSend {
  name: string;
  language: { code: string };
  components?: TemplateSendComponent[];
}

// --- dashboard --------------------------------------------------------------------------

export interface VolumeHour {
  hour: IsoDateTime;
  inbound: number;
  outbound: number;
}

export interface Dashboard {
  /** The range and time zone actually used (echoed back, defaults filled in). */
  from: IsoDateTime;
  to: IsoDateTime;
  tz: string;
  volume_per_hour: VolumeHour[];
  first_response: {
    count: number;
    mean_seconds: number | null;
    median_seconds: number | null;
    p90_seconds: number | null;
  };
  backlog: { count: number; oldest_waiting_seconds: number | null };
  open_conversations: number;
  resolved_conversations: number;
}

export interface DashboardParams {
  from?: IsoDateTime;
  to?: IsoDateTime;
  tz?: string;
  number_id?: Uuid;
  team_id?: Uuid;
}

// --- simulator (ADMIN/SUPERVISOR; only for numbers with simulated=true) -----------------

export interface SimulatorInbound {
  number_id: Uuid;
  wa_id: string;
  name: string;
  /** A generated picture, voice note or PDF instead of text (default text). */
  type?: 'text' | 'image' | 'audio' | 'document';
  /** The message, or an image's or document's caption; none for a voice note. */
  text?: string;
}

// --- realtime ---------------------------------------------------------------------------

export interface ServerToClientEvents {
  'message:new': (payload: { conversation: Conversation; message: Message }) => void;
  'message:status': (payload: {
    conversation_id: Uuid;
    message_id: Uuid;
    wamid: string | null;
    status: MessageStatus;
    error: MessageError | null;
  }) => void;
  'conversation:assigned': (payload: { conversation: Conversation; transfer: Transfer }) => void;
  'conversation:transferred': (payload: { conversation: Conversation; transfer: Transfer }) => void;
  'conversation:updated': (payload: { conversation: Conversation }) => void;
  /** A stored message changed in place: its media arrived (or failed), a reaction. */
  'message:updated': (payload: { conversation: Conversation; message: Message }) => void;
}

export type ServerEventName = keyof ServerToClientEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];
