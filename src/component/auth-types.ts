// The plain data of authentication, a leaf: what an authenticator learnt about
// the sender travels in every request context (consumer.ts), and which side an
// authenticator serves is part of a factory's description (component.ts);
// neither needs the authenticator interfaces of auth.ts.

/** What an authenticator learnt about the sender (the collector's client.Info.Auth attributes). */
export type AuthData = Record<string, unknown>;

export type AuthenticatorRole = 'server' | 'client';
