using System.Security.Claims;
using System.Security.Cryptography;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Audit.Webhooks;
using Platform.Credentials.Scopes;
using Platform.Authentication;
using Platform.ServiceDefaults.Http;

namespace Platform.Audit.Apis;

/// <summary>
/// Webhook endpoints of a tenant. An <c>admin</c> key bound to a tenant manages only that tenant's endpoints; the
/// platform admin key (no tenant) names the tenant explicitly.
/// </summary>
public static class WebhooksApi
{
    public const int MaxEndpointsPerTenant = 20;

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/audit/webhooks").RequireScope(Scope.Admin);
        webhooks.MapPost("", CreateAsync);
        webhooks.MapGet("", ListAsync);
        webhooks.MapDelete("/{id:guid}", DeleteAsync);
        return app;
    }

    public sealed record CreateWebhook(string? Url, IReadOnlyList<string>? Events, string? Tenant);

    public sealed record WebhookView(Guid Id, string TenantId, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt);

    /// <summary>The only response that ever carries the secret.</summary>
    public sealed record CreatedWebhook(Guid Id, string TenantId, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt, string Secret);

    public sealed record WebhookList(IReadOnlyList<WebhookView> Webhooks);

    public static async Task<Results<Created<CreatedWebhook>, ProblemHttpResult>> CreateAsync(
        CreateWebhook body, ClaimsPrincipal user, IDocumentSession session, IWebhookUrlGuard guard, TimeProvider time, CancellationToken ct)
    {
        if (TenantFor(user, body.Tenant) is not { } tenant)
        {
            return TenantProblem(user);
        }

        if (body.Events is not { Count: > 0 and <= 50 } events || events.Any(e => string.IsNullOrWhiteSpace(e) || e.Length > 100))
        {
            return Invalid("Invalid events", "events must list 1 to 50 event types, such as \"key.revoked\", \"key.*\" or \"*\".");
        }

        if (body.Url is not { Length: > 0 and <= 2048 } || !Uri.TryCreate(body.Url, UriKind.Absolute, out var url))
        {
            return Invalid("Invalid URL", "url must be an absolute http or https URL of at most 2048 characters.");
        }

        if (await guard.RejectReasonAsync(url, ct).ConfigureAwait(false) is { } reason)
        {
            return Invalid("URL not allowed", $"The webhook URL is not allowed: {reason}.");
        }

        if (await session.Query<WebhookEndpoint>().CountAsync(w => w.TenantId == tenant, ct).ConfigureAwait(false) >= MaxEndpointsPerTenant)
        {
            return TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status409Conflict, "Too many webhooks",
                $"A tenant can register at most {MaxEndpointsPerTenant} webhook endpoints.", ProblemTypes.Conflict));
        }

        var endpoint = new WebhookEndpoint
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenant,
            Url = url.ToString(),
            Events = [.. events.Distinct(StringComparer.Ordinal)],
            Secret = "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            CreatedAt = time.GetUtcNow(),
        };
        session.Store(endpoint);
        await session.SaveChangesAsync(ct).ConfigureAwait(false);
        return TypedResults.Created($"/audit/webhooks/{endpoint.Id}",
            new CreatedWebhook(endpoint.Id, endpoint.TenantId, endpoint.Url, endpoint.Events, endpoint.CreatedAt, endpoint.Secret));
    }

    public static async Task<Results<Ok<WebhookList>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal user, IQuerySession session, CancellationToken ct, string? tenant = null)
    {
        if (TenantFor(user, tenant) is not { } own)
        {
            return TenantProblem(user);
        }

        var endpoints = await session.Query<WebhookEndpoint>().Where(w => w.TenantId == own).OrderBy(w => w.CreatedAt).ToListAsync(ct).ConfigureAwait(false);
        return TypedResults.Ok(new WebhookList([.. endpoints.Select(e => new WebhookView(e.Id, e.TenantId, e.Url, e.Events, e.CreatedAt))]));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal user, IDocumentSession session, CancellationToken ct)
    {
        var endpoint = await session.LoadAsync<WebhookEndpoint>(id, ct).ConfigureAwait(false);
        if (endpoint is null || !user.MayAccessTenant(endpoint.TenantId))
        {
            return TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status404NotFound, "Webhook not found", null, ProblemTypes.NotFound));
        }

        session.Delete(endpoint);
        await session.SaveChangesAsync(ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// A tenant-bound key gets its own tenant (and may name only that); the platform admin must name one. The
    /// isolation rule itself is <see cref="PlatformClaims.MayAccessTenant"/>.
    /// </summary>
    private static string? TenantFor(ClaimsPrincipal user, string? requested) => user.IsPlatformAdmin()
        ? requested
        : user.MayAccessTenant(requested ??= user.TenantOf()) ? requested : null;

    private static ProblemHttpResult TenantProblem(ClaimsPrincipal user) => user.IsPlatformAdmin()
        ? Invalid("Tenant required", "The platform admin key must name the tenant (tenant in the body or query).")
        : TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status403Forbidden, "Forbidden", "A tenant key can manage only its own tenant's webhooks."));

    private static ProblemHttpResult Invalid(string title, string detail) =>
        TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status400BadRequest, title, detail, ProblemTypes.Validation));
}
