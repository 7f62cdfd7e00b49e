using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Platform.Auth.Apis;
using Platform.Auth.Tenants;
using Platform.Credentials.ApiKeys;
using Platform.Credentials.Network;
using Platform.Credentials.Scopes;
using Platform.Credentials.Tools;
using Platform.Authentication;
using Wolverine;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Keys;

public sealed record IssueApiKeyRequest(
    string? Name, IReadOnlyList<string>? Scopes, IReadOnlyList<string>? Roles, IReadOnlyList<string>? ToolPatterns,
    IReadOnlyList<string>? IpAllowlist, DateTimeOffset? ExpiresAt);

public static class IssueApiKeyEndpoint
{
    public const int MaxNameLength = 200;
    public const int MaxListLength = 64;

    public static string? Validate(IssueApiKeyRequest request, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > MaxNameLength)
            return $"name is required and at most {MaxNameLength} characters.";
        if (request.Scopes?.FirstOrDefault(s => !Scope.IsKnown(s)) is { } badScope)
            return $"unknown scope '{badScope}'; known scopes: {string.Join(", ", Scope.All)}.";
        if (request.Roles?.FirstOrDefault(r => !Role.IsKnown(r)) is { } badRole)
            return $"unknown role '{badRole}'; known roles: read, write, admin, debug.";
        if ((request.Scopes?.Count ?? 0) + (request.Roles?.Count ?? 0) == 0)
            return "at least one scope or role is required.";
        if (request.ToolPatterns?.FirstOrDefault(p => !ToolPattern.IsValid(p)) is { } badPattern)
            return $"invalid tool pattern '{badPattern}'.";
        if (request.IpAllowlist?.FirstOrDefault(c => !CidrRange.TryParse(c, out _)) is { } badCidr)
            return $"invalid CIDR '{badCidr}'.";
        if ((request.ToolPatterns?.Count ?? 0) > MaxListLength || (request.IpAllowlist?.Count ?? 0) > MaxListLength)
            return $"at most {MaxListLength} tool patterns and {MaxListLength} CIDRs.";
        if (request.ExpiresAt is { } expires && expires <= now)
            return "expiresAt must be in the future.";
        return null;
    }

    public static async Task<Results<Created<IssuedApiKeyResponse>, ProblemHttpResult>> HandleAsync(
        string tenantId, IssueApiKeyRequest request, IDocumentSession session, IMartenOutbox outbox, SecretHasher hasher,
        IOptionsMonitor<AuthOptions> options, TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (Validate(request, now) is { } problem)
        {
            return AdminProblems.Invalid(problem);
        }

        if (await session.LoadAsync<Tenant>(tenantId, ct) is null)
        {
            return AdminProblems.NotFound($"Tenant '{tenantId}'");
        }

        var generated = ApiKeyFormat.Generate(options.CurrentValue.KeyPrefix, options.CurrentValue.KeyEnvironment);
        var scopes = (request.Scopes ?? []).Union(Scope.ExpandRoles(request.Roles ?? [])).Order(StringComparer.Ordinal).ToArray();
        var patterns = request.ToolPatterns is { Count: > 0 } p ? p.ToArray() : ["*"];
        var allowlist = (request.IpAllowlist ?? []).Select(c => CidrRange.TryParse(c, out var r) ? r.ToString() : c).ToArray();

        var issued = new ApiKeyIssued(generated.KeyId, tenantId, request.Name!.Trim(), scopes, patterns, allowlist,
            request.ExpiresAt?.ToUniversalTime(), hasher.Hash(generated.Secret), user.KeyIdOf() ?? "unknown", now);
        session.Events.StartStream<ApiKey>(generated.KeyId, issued);

        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.ApiKeyIssued(EventContext.NewEventId(), issued.KeyId, tenantId, issued.Name,
            scopes, patterns, allowlist, issued.ExpiresAt, EventContext.ActorOf(user, http), now, EventContext.TraceId));
        if (issued.ExpiresAt is { } expiresAt)
        {
            await outbox.ScheduleAsync(new ExpireApiKey(issued.KeyId), expiresAt);
        }

        await session.SaveChangesAsync(ct);

        var key = ApiKey.Create(issued);
        key.Version = 1;
        return TypedResults.Created($"/admin/keys/{key.Id}", new IssuedApiKeyResponse(generated.Plaintext, ApiKeyResponse.From(key)));
    }

    private static string KeyIdOrUnknown(this ClaimsPrincipal user) => user.KeyIdOf() ?? "unknown";
}
