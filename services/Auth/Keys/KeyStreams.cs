using JasperFx;
using Marten;
using JasperFx.Events;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Auth.Apis;

namespace Platform.Auth.Keys;

/// <summary>
/// Loads a key's stream for a change and saves it, turning Marten's optimistic-concurrency failures into the 409
/// that two admins racing on one key should see: one wins, the other is told, nothing is lost.
/// </summary>
internal static class KeyStreams
{
    public sealed record Fetched(IEventStream<ApiKey>? Writer, ApiKey? Key, ProblemHttpResult? Problem);

    public static async Task<Fetched> FetchAsync(IDocumentSession session, string keyId, int? expectedVersion, CancellationToken ct)
    {
        IEventStream<ApiKey> stream;
        try
        {
            stream = expectedVersion is { } expected
                ? await session.Events.FetchForWriting<ApiKey>(keyId, expected, ct)
                : await session.Events.FetchForWriting<ApiKey>(keyId, ct);
        }
        catch (ConcurrencyException)
        {
            return new(null, null, AdminProblems.Conflict($"Key '{keyId}' has changed since version {expectedVersion}; reload it and retry."));
        }

        return stream.Aggregate is { } key
            ? new(stream, key, null)
            : new(null, null, AdminProblems.NotFound($"Key '{keyId}'"));
    }

    public static async Task<ProblemHttpResult?> SaveAsync(IDocumentSession session, string keyId, CancellationToken ct)
    {
        try
        {
            await session.SaveChangesAsync(ct);
            return null;
        }
        catch (Exception ex) when (ex is ConcurrencyException or EventStreamUnexpectedMaxEventIdException)
        {
            return AdminProblems.Conflict($"Key '{keyId}' was changed by someone else at the same time; reload it and retry.");
        }
    }
}
