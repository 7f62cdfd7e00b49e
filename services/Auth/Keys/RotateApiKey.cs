using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Platform.Auth.Apis;
using Platform.Credentials.ApiKeys;
using Platform.Authentication;
using Wolverine;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Keys;

/// <param name="ExpectedVersion">Optional: the key version the caller saw, so a replayed rotation is refused.</param>
public sealed record RotateApiKeyRequest(int? GracePeriodSeconds, int? ExpectedVersion);

public static class RotateApiKeyEndpoint
{
    public const int MaxGracePeriodSeconds = 30 * 24 * 3600;

    public static async Task<Results<Ok<IssuedApiKeyResponse>, ProblemHttpResult>> HandleAsync(
        string keyId, RotateApiKeyRequest request, IDocumentSession session, IMartenOutbox outbox, Npgsql.NpgsqlDataSource dataSource, SecretHasher hasher,
        IOptionsMonitor<AuthOptions> options, TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var grace = request.GracePeriodSeconds ?? 0;
        if (grace is < 0 or > MaxGracePeriodSeconds)
        {
            return AdminProblems.Invalid($"gracePeriodSeconds must be between 0 and {MaxGracePeriodSeconds}.");
        }

        var stream = await KeyStreams.FetchAsync(session, keyId, request.ExpectedVersion, ct);
        if (stream.Problem is { } problem)
        {
            return problem;
        }

        var key = stream.Key!;
        if (key.RevokedAt is not null)
        {
            return AdminProblems.Conflict($"Key '{keyId}' is revoked and cannot be rotated.");
        }

        var now = time.GetUtcNow();
        var plaintext = ApiKeyFormat.GenerateSecretFor(options.CurrentValue.KeyPrefix, options.CurrentValue.KeyEnvironment, keyId);
        var rotated = new ApiKeyRotated(keyId, hasher.Hash(plaintext.Secret), now.AddSeconds(grace), user.KeyIdOf() ?? "unknown", now);
        stream.Writer!.AppendOne(rotated);

        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.ApiKeyRotated(EventContext.NewEventId(), keyId, key.TenantId, rotated.PreviousSecretValidUntil,
            EventContext.ActorOf(user, http), now, EventContext.TraceId));
        var saved = await KeyStreams.SaveAsync(session, keyId, ct);
        if (saved is not null)
        {
            return saved;
        }

        await CredentialChanges.NotifyKeyChangedAsync(dataSource, keyId);

        key.Apply(rotated);
        key.Version++;
        return TypedResults.Ok(new IssuedApiKeyResponse(plaintext.Plaintext, ApiKeyResponse.From(key)));
    }
}
