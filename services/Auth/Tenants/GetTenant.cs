using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Auth.Apis;
using Platform.Auth.Keys;
using Platform.Auth.Plans;
using Platform.Contracts.Auth;

namespace Platform.Auth.Tenants;

public sealed record TenantDetails(TenantResponse Tenant, PlanLimits Limits, TenantKeySummary Keys);

public static class GetTenantEndpoint
{
    public static async Task<Results<Ok<TenantDetails>, ProblemHttpResult>> HandleAsync(
        string tenantId, IQuerySession session, PlanCatalog plans, CancellationToken ct)
    {
        var tenant = await session.LoadAsync<Tenant>(tenantId, ct);
        if (tenant is null)
        {
            return AdminProblems.NotFound($"Tenant '{tenantId}'");
        }

        // Key counts come from an async projection, so they may trail the key streams by a moment.
        var keys = await session.LoadAsync<TenantKeySummary>(tenantId, ct) ?? new TenantKeySummary { Id = tenantId };
        return TypedResults.Ok(new TenantDetails(TenantResponse.From(tenant), plans.LimitsOf(tenant.Plan), keys));
    }
}
