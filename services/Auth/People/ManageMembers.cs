using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Auth.Apis;
using Platform.Auth.Tenants;
using Platform.Authentication;
using Platform.Credentials.Scopes;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.People;

public sealed record ChangeMemberRolesRequest(IReadOnlyList<string>? Roles, int? ExpectedVersion);

/// <summary>Listing, removing and changing the roles of a tenant's members (or, with no tenant, of platform administrators).</summary>
public static class ManageMembersEndpoints
{
    public static async Task<Results<Ok<IReadOnlyList<MemberResponse>>, ProblemHttpResult>> ListAsync(
        string tenantId, IQuerySession session, CancellationToken ct)
    {
        if (await session.LoadAsync<Tenant>(tenantId, ct) is null)
        {
            return AdminProblems.NotFound($"Tenant '{tenantId}'");
        }

        return TypedResults.Ok(await ListOfAsync(tenantId, session, ct));
    }

    public static async Task<Ok<IReadOnlyList<MemberResponse>>> ListPlatformAsync(IQuerySession session, CancellationToken ct) =>
        TypedResults.Ok(await ListOfAsync(null, session, ct));

    private static async Task<IReadOnlyList<MemberResponse>> ListOfAsync(string? tenantId, IQuerySession session, CancellationToken ct)
    {
        var members = tenantId is null
            ? await session.Query<Member>().Where(m => m.TenantId == null && m.RemovedAt == null).OrderBy(m => m.InvitedAt).ToListAsync(ct)
            : await session.Query<Member>().Where(m => m.TenantId == tenantId && m.RemovedAt == null).OrderBy(m => m.InvitedAt).ToListAsync(ct);
        return [.. members.Select(MemberResponse.From)];
    }

    public static Task<Results<Ok<MemberResponse>, ProblemHttpResult>> RemoveAsync(
        string tenantId, string personId, IDocumentSession session, IMartenOutbox outbox, Npgsql.NpgsqlDataSource dataSource,
        TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
        RemoveOfAsync(tenantId, personId, session, outbox, dataSource, time, user, http, ct);

    public static Task<Results<Ok<MemberResponse>, ProblemHttpResult>> RemovePlatformAsync(
        string personId, IDocumentSession session, IMartenOutbox outbox, Npgsql.NpgsqlDataSource dataSource,
        TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
        RemoveOfAsync(null, personId, session, outbox, dataSource, time, user, http, ct);

    /// <summary>
    /// Removes the person and announces <c>revoked:&lt;personId&gt;</c>, so every replica's deny-list refuses the
    /// person's access tokens within a second; the browser session dies with the changed session stamp.
    /// </summary>
    private static async Task<Results<Ok<MemberResponse>, ProblemHttpResult>> RemoveOfAsync(
        string? tenantId, string personId, IDocumentSession session, IMartenOutbox outbox, Npgsql.NpgsqlDataSource dataSource,
        TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var stream = await MemberStreams.FetchAsync(session, personId, ct);
        if (stream?.Aggregate is not { } member || member.TenantId != tenantId || member.RemovedAt is not null)
        {
            return AdminProblems.NotFound($"Member '{personId}'");
        }

        var now = time.GetUtcNow();
        var removed = new MemberRemoved(personId, user.KeyIdOf() ?? "unknown", now);
        stream.AppendOne(removed);
        session.Delete<PersonCredentials>(personId);
        session.DeleteWhere<Invitation>(i => i.PersonId == personId);
        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.MemberRemoved(EventContext.NewEventId(), personId, tenantId,
            EventContext.ActorOf(user, http), now, EventContext.TraceId));
        if (!await MemberStreams.TrySaveAsync(session, ct))
        {
            return MemberStreams.Conflict(personId);
        }

        await CredentialChanges.NotifyRevokedAsync(dataSource, personId);
        member.Apply(removed);
        member.Version++;
        return TypedResults.Ok(MemberResponse.From(member));
    }

    public static async Task<Results<Ok<MemberResponse>, ProblemHttpResult>> ChangeRolesAsync(
        string tenantId, string personId, ChangeMemberRolesRequest request, IDocumentSession session, IMartenOutbox outbox,
        Npgsql.NpgsqlDataSource dataSource, TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        if (request.Roles is not { Count: > 0 })
        {
            return AdminProblems.Invalid("at least one role is required: read, write, admin or debug.");
        }

        if (request.Roles.FirstOrDefault(r => !Role.IsKnown(r)) is { } badRole)
        {
            return AdminProblems.Invalid($"unknown role '{badRole}'; known roles: read, write, admin, debug.");
        }

        var stream = await MemberStreams.FetchAsync(session, personId, ct);
        if (stream?.Aggregate is not { } member || member.TenantId != tenantId || member.RemovedAt is not null)
        {
            return AdminProblems.NotFound($"Member '{personId}'");
        }

        if (request.ExpectedVersion is { } expected && expected != member.Version)
        {
            return AdminProblems.Conflict($"Member '{personId}' is at version {member.Version}, not {expected}.");
        }

        var roles = request.Roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (roles.SequenceEqual(member.Roles, StringComparer.Ordinal))
        {
            return TypedResults.Ok(MemberResponse.From(member));
        }

        var now = time.GetUtcNow();
        var previous = member.Roles;
        var changed = new MemberRolesChanged(personId, roles, user.KeyIdOf() ?? "unknown", now);
        stream.AppendOne(changed);
        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.MemberRolesChanged(EventContext.NewEventId(), personId, tenantId, roles, previous,
            EventContext.ActorOf(user, http), now, EventContext.TraceId));
        if (!await MemberStreams.TrySaveAsync(session, ct))
        {
            return MemberStreams.Conflict(personId);
        }

        // Tokens carry the scopes of the roles they were issued under; fewer roles must not wait for their expiry.
        if (!previous.All(roles.Contains))
        {
            await CredentialChanges.NotifyRevokedAsync(dataSource, personId);
        }

        member.Apply(changed);
        member.Version++;
        return TypedResults.Ok(MemberResponse.From(member));
    }
}
