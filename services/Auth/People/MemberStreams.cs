using JasperFx;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Platform.Auth.Apis;

namespace Platform.Auth.People;

/// <summary>Loads a person's stream for a change and saves it, as <see cref="Keys.KeyStreams"/> does for keys.</summary>
internal static class MemberStreams
{
    public static async Task<IEventStream<Member>?> FetchAsync(IDocumentSession session, string personId, CancellationToken ct)
    {
        if (!PersonId.IsValid(personId))
        {
            return null;
        }

        var stream = await session.Events.FetchForWriting<Member>(personId, ct);
        return stream.Aggregate is null ? null : stream;
    }

    /// <summary>True when saved; false when someone else changed the person at the same time, or took the email.</summary>
    public static async Task<bool> TrySaveAsync(IDocumentSession session, CancellationToken ct)
    {
        try
        {
            await session.SaveChangesAsync(ct);
            return true;
        }
        catch (Exception ex) when (IsConflict(ex))
        {
            return false;
        }
    }

    public static ProblemHttpResult Conflict(string personId) =>
        AdminProblems.Conflict($"Person '{personId}' was changed by someone else at the same time; reload and retry.");

    private static bool IsConflict(Exception ex) =>
        ex is ConcurrencyException or EventStreamUnexpectedMaxEventIdException or ExistingStreamIdCollisionException
        || ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || (ex.InnerException is not null && IsConflict(ex.InnerException));
}
