using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Auth.Apis;
using Platform.Authentication;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Tenants;

public sealed record ChangeTenantStatusRequest(string? Status, string? Reason, int? ExpectedVersion);

public static class ChangeTenantStatusEndpoint
{
    public static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> HandleAsync(
        string tenantId, ChangeTenantStatusRequest request, IDocumentSession session, IMartenOutbox outbox, Npgsql.NpgsqlDataSource dataSource,
        TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        if (request.Status is null || !TenantStatus.All.Contains(request.Status))
        {
            return AdminProblems.Invalid($"status must be one of: {string.Join(", ", TenantStatus.All)}.");
        }

        var stream = await session.Events.FetchForWriting<Tenant>(tenantId, ct);
        if (stream.Aggregate is not { } tenant)
        {
            return AdminProblems.NotFound($"Tenant '{tenantId}'");
        }

        if (request.ExpectedVersion is { } expected && expected != tenant.Version)
        {
            return AdminProblems.Conflict($"Tenant '{tenantId}' is at version {tenant.Version}, not {expected}.");
        }

        if (tenant.Status == request.Status)
        {
            return TypedResults.Ok(TenantResponse.From(tenant));
        }

        var changed = new TenantStatusChanged(tenantId, request.Status, request.Reason, time.GetUtcNow());
        stream.AppendOne(changed);
        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.TenantStatusChanged(EventContext.NewEventId(), tenantId, changed.Status, tenant.Status,
            request.Reason, EventContext.ActorOf(user, http), changed.At, EventContext.TraceId));
        await session.SaveChangesAsync(ct);

        await CredentialChanges.NotifyTenantChangedAsync(dataSource, tenantId);

        tenant.Apply(changed);
        tenant.Version++;
        return TypedResults.Ok(TenantResponse.From(tenant));
    }
}
