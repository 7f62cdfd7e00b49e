using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Auth.Apis;
using Platform.Authentication;
using Wolverine;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Keys;

public sealed record RevokeApiKeyRequest(string? Reason, int? ExpectedVersion);

public static class RevokeApiKeyEndpoint
{
    public const int MaxReasonLength = 500;

    public static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> HandleAsync(
        string keyId, RevokeApiKeyRequest request, IDocumentSession session, IMartenOutbox outbox, Npgsql.NpgsqlDataSource dataSource,
        TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > MaxReasonLength)
        {
            return AdminProblems.Invalid($"reason is required and at most {MaxReasonLength} characters.");
        }

        var stream = await KeyStreams.FetchAsync(session, keyId, request.ExpectedVersion, ct);
        if (stream.Problem is { } problem)
        {
            return problem;
        }

        var key = stream.Key!;
        if (key.RevokedAt is not null)
        {
            return AdminProblems.Conflict($"Key '{keyId}' is already revoked.");
        }

        var now = time.GetUtcNow();
        var revoked = new ApiKeyRevoked(keyId, key.TenantId, request.Reason.Trim(), user.KeyIdOf() ?? "unknown", now);
        stream.Writer!.AppendOne(revoked);

        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.ApiKeyRevoked(EventContext.NewEventId(), keyId, key.TenantId, revoked.Reason,
            EventContext.ActorOf(user, http), now, EventContext.TraceId));
        if (await KeyStreams.SaveAsync(session, keyId, ct) is { } conflict)
        {
            return conflict;
        }

        await CredentialChanges.NotifyKeyRevokedAsync(dataSource, keyId);

        key.Apply(revoked);
        key.Version++;
        return TypedResults.Ok(ApiKeyResponse.From(key));
    }
}
