using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Auth.Apis;
using Platform.Credentials.Network;
using Platform.Credentials.Scopes;
using Platform.Credentials.Tools;
using Platform.Authentication;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Keys;

/// <summary>Any field left null keeps its value.</summary>
public sealed record ChangeApiKeyRequest(
    IReadOnlyList<string>? Scopes, IReadOnlyList<string>? ToolPatterns, IReadOnlyList<string>? IpAllowlist, int? ExpectedVersion);

public static class ChangeApiKeyEndpoint
{
    public static string? Validate(ChangeApiKeyRequest request)
    {
        if (request.Scopes is null && request.ToolPatterns is null && request.IpAllowlist is null)
            return "give at least one of scopes, toolPatterns, ipAllowlist.";
        if (request.Scopes is { Count: 0 })
            return "scopes cannot be empty; revoke the key instead.";
        if (request.Scopes?.FirstOrDefault(s => !Scope.IsKnown(s)) is { } badScope)
            return $"unknown scope '{badScope}'; known scopes: {string.Join(", ", Scope.All)}.";
        if (request.ToolPatterns?.FirstOrDefault(p => !ToolPattern.IsValid(p)) is { } badPattern)
            return $"invalid tool pattern '{badPattern}'.";
        if (request.IpAllowlist?.FirstOrDefault(c => !CidrRange.TryParse(c, out _)) is { } badCidr)
            return $"invalid CIDR '{badCidr}'.";
        if ((request.ToolPatterns?.Count ?? 0) > IssueApiKeyEndpoint.MaxListLength || (request.IpAllowlist?.Count ?? 0) > IssueApiKeyEndpoint.MaxListLength)
            return $"at most {IssueApiKeyEndpoint.MaxListLength} tool patterns and {IssueApiKeyEndpoint.MaxListLength} CIDRs.";
        return null;
    }

    public static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> HandleAsync(
        string keyId, ChangeApiKeyRequest request, IDocumentSession session, IMartenOutbox outbox, Npgsql.NpgsqlDataSource dataSource,
        TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        if (Validate(request) is { } problem)
        {
            return AdminProblems.Invalid(problem);
        }

        var stream = await KeyStreams.FetchAsync(session, keyId, request.ExpectedVersion, ct);
        if (stream.Problem is { } notFound)
        {
            return notFound;
        }

        var key = stream.Key!;
        if (key.RevokedAt is not null)
        {
            return AdminProblems.Conflict($"Key '{keyId}' is revoked and cannot be changed.");
        }

        var now = time.GetUtcNow();
        var by = user.KeyIdOf() ?? "unknown";
        if (request.Scopes is not null || request.ToolPatterns is not null)
        {
            var scopes = request.Scopes?.Distinct().Order(StringComparer.Ordinal).ToArray() ?? key.Scopes;
            var patterns = request.ToolPatterns is { Count: > 0 } p ? p.ToArray() : request.ToolPatterns is null ? key.ToolPatterns : ["*"];
            var changed = new ApiKeyScopesChanged(keyId, scopes, patterns, by, now);
            stream.Writer!.AppendOne(changed);
            key.Apply(changed);
        }

        if (request.IpAllowlist is not null)
        {
            var allowlist = request.IpAllowlist.Select(c => CidrRange.TryParse(c, out var r) ? r.ToString() : c).ToArray();
            var changed = new ApiKeyIpAllowlistChanged(keyId, allowlist, by, now);
            stream.Writer!.AppendOne(changed);
            key.Apply(changed);
        }

        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.ApiKeyChanged(EventContext.NewEventId(), keyId, key.TenantId, key.Scopes, key.ToolPatterns,
            key.IpAllowlist, EventContext.ActorOf(user, http), now, EventContext.TraceId));
        if (await KeyStreams.SaveAsync(session, keyId, ct) is { } conflict)
        {
            return conflict;
        }

        await CredentialChanges.NotifyKeyChangedAsync(dataSource, keyId);
        key.Version += request.Scopes is not null || request.ToolPatterns is not null ? 1 : 0;
        key.Version += request.IpAllowlist is not null ? 1 : 0;
        return TypedResults.Ok(ApiKeyResponse.From(key));
    }
}
