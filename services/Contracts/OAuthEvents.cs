using Wolverine.Attributes;

namespace Platform.Contracts.Auth;

// Integration events of Auth's OAuth authorization server (issue 18), published through the Marten/Wolverine outbox
// like the key events. No token, code or secret is ever part of one.

/// <summary>A client registered itself (RFC 7591). Only the redirect URIs' hosts are kept.</summary>
[MessageIdentity("platform.auth.oauth-client-registered.v1")]
public sealed record OAuthClientRegistered(
    Guid EventId, string ClientId, string? ClientName, string ApplicationType, IReadOnlyList<string> RedirectHosts,
    Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

/// <summary>A person consented: <paramref name="GrantId"/> now allows <paramref name="Scopes"/> to the client.</summary>
[MessageIdentity("platform.auth.oauth-consent-granted.v1")]
public sealed record OAuthConsentGranted(
    Guid EventId, string GrantId, string TenantId, string PersonId, string ClientId, IReadOnlyList<string> Scopes,
    Actor Actor, DateTimeOffset OccurredAt, string? TraceId);

/// <summary>A grant was revoked with every token of it, by its person, a tenant admin, or refresh-token reuse.</summary>
[MessageIdentity("platform.auth.oauth-grant-revoked.v1")]
public sealed record OAuthGrantRevoked(
    Guid EventId, string GrantId, string? TenantId, string PersonId, string ClientId, string Reason,
    Actor Actor, DateTimeOffset OccurredAt, string? TraceId);
