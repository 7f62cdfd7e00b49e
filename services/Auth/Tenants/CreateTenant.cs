using System.Security.Claims;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Auth.Apis;
using Platform.Auth.Plans;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Tenants;

public sealed record CreateTenantRequest(string? Id, string? Name, string? Plan, string? Status);

public sealed record TenantResponse(string Id, string Name, string Plan, string Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Version)
{
    public static TenantResponse From(Tenant t) => new(t.Id, t.Name, t.Plan, t.Status, t.CreatedAt, t.UpdatedAt, t.Version);
}

public static partial class CreateTenantEndpoint
{
    public const int MaxNameLength = 200;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,39}$")]
    private static partial Regex TenantIdPattern();

    public static string? Validate(CreateTenantRequest request, PlanCatalog plans)
    {
        if (request.Id is not null && !TenantIdPattern().IsMatch(request.Id))
            return "id must be 3-40 characters of a-z, 0-9 and '-', starting with a letter or digit.";
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > MaxNameLength)
            return $"name is required and at most {MaxNameLength} characters.";
        if (request.Plan is not null && !plans.Exists(request.Plan))
            return $"plan must be one of: {string.Join(", ", plans.Names)}.";
        if (request.Status is not null && !TenantStatus.All.Contains(request.Status))
            return $"status must be one of: {string.Join(", ", TenantStatus.All)}.";
        return null;
    }

    public static async Task<Results<Created<TenantResponse>, ProblemHttpResult>> HandleAsync(
        CreateTenantRequest request, PlanCatalog plans, IDocumentSession session, IMartenOutbox outbox,
        TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        if (Validate(request, plans) is { } problem)
        {
            return AdminProblems.Invalid(problem);
        }

        var id = request.Id ?? "t-" + Guid.CreateVersion7().ToString("N")[..16];
        if (await session.LoadAsync<Tenant>(id, ct) is not null)
        {
            return AdminProblems.Conflict($"Tenant '{id}' already exists.");
        }

        var created = new TenantCreated(id, request.Name!.Trim(), request.Plan ?? PlanCatalog.DefaultPlan, request.Status ?? TenantStatus.Active, time.GetUtcNow());
        session.Events.StartStream<Tenant>(id, created);

        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.TenantCreated(EventContext.NewEventId(), id, created.Name, created.Plan, created.Status,
            EventContext.ActorOf(user, http), created.At, EventContext.TraceId, plans.LimitsOf(created.Plan).AuditRetentionDays));
        await session.SaveChangesAsync(ct);

        var tenant = Tenant.Create(created);
        tenant.Version = 1;
        return TypedResults.Created($"/admin/tenants/{id}", TenantResponse.From(tenant));
    }
}
