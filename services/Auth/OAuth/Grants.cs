using System.Collections.Immutable;
using Marten;
using Npgsql;
using Platform.Auth.Apis;
using Platform.Contracts;
using Platform.Contracts.Auth;
using Wolverine.Marten;
using OpenIddict.Abstractions;
using Platform.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Auth.OAuth;

/// <summary>A person's permanent consent to a client (an OpenIddict authorization), as listed to people and admins.</summary>
public sealed record GrantResponse(
    string Id, string PersonId, string? TenantId, string ClientId, string? ClientName,
    IReadOnlyList<string> Scopes, string Status, DateTimeOffset? CreatedAt);

/// <summary>Grants: find, list, create and revoke them; a revocation reaches every replica's deny-list.</summary>
internal sealed class Grants(
    IOpenIddictAuthorizationManager authorizations, IOpenIddictApplicationManager applications,
    IOpenIddictTokenManager tokens, NpgsqlDataSource dataSource, IDocumentStore store, IMartenOutbox outbox,
    TimeProvider time, ILogger<Grants> logger)
{
    /// <summary>Kept with each authorization, so a tenant admin can list their tenant's grants.</summary>
    public const string TenantProperty = "tenant";

    /// <summary>The scopes a person already granted a client: the union of their valid permanent authorizations.</summary>
    public async Task<(ImmutableHashSet<string> Scopes, string? GrantId)> GrantedAsync(string personId, string applicationId, CancellationToken ct)
    {
        var scopes = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        string? newest = null;
        await foreach (var authorization in authorizations.FindAsync(personId, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, null, ct))
        {
            scopes.UnionWith(await authorizations.GetScopesAsync(authorization, ct));
            newest = await authorizations.GetIdAsync(authorization, ct);
        }

        return (scopes.ToImmutable(), newest);
    }

    /// <summary>Records consent to <paramref name="scopes"/> (what was granted before included) as one permanent grant.</summary>
    public async Task<string> GrantAsync(string personId, string tenantId,
        string applicationId, ImmutableArray<string> scopes, CancellationToken ct)
    {
        var descriptor = new OpenIddictAuthorizationDescriptor
        {
            ApplicationId = applicationId,
            Subject = personId,
            Status = Statuses.Valid,
            Type = AuthorizationTypes.Permanent,
            CreationDate = time.GetUtcNow(),
        };
        descriptor.Scopes.UnionWith(scopes);
        descriptor.Properties[TenantProperty] = System.Text.Json.JsonSerializer.SerializeToElement(tenantId);
        var authorization = await authorizations.CreateAsync(descriptor, ct);
        return (await authorizations.GetIdAsync(authorization, ct))!;
    }

    public async Task<IReadOnlyList<GrantResponse>> ListAsync(Func<GrantResponse, bool> include, CancellationToken ct)
    {
        var list = new List<GrantResponse>();
        await foreach (var authorization in authorizations.ListAsync(count: null, offset: null, ct))
        {
            var grant = await DescribeAsync(authorization, ct);
            if (grant.Status == Statuses.Valid && include(grant))
            {
                list.Add(grant);
            }
        }

        return list;
    }

    public async Task<GrantResponse?> FindAsync(string grantId, CancellationToken ct) =>
        await authorizations.FindByIdAsync(grantId, ct) is { } authorization ? await DescribeAsync(authorization, ct) : null;

    /// <summary>Revokes the grant and every token of it, records why, then announces <c>revoked:&lt;gid&gt;</c>.</summary>
    public async Task RevokeAsync(string grantId, string reason, Actor actor, CancellationToken ct)
    {
        if (await authorizations.FindByIdAsync(grantId, ct) is { } authorization)
        {
            await authorizations.TryRevokeAsync(authorization, ct);
            await tokens.RevokeByAuthorizationIdAsync(grantId, ct);
            var grant = await DescribeAsync(authorization, ct);
            await PublishAsync(new OAuthGrantRevoked(EventContext.NewEventId(), grantId, grant.TenantId, grant.PersonId, grant.ClientId,
                reason, actor, time.GetUtcNow(), EventContext.TraceId), ct);
        }

        await CredentialChanges.NotifyRevokedAsync(dataSource, grantId);
    }

    /// <summary>OpenIddict already revoked the grant of a replayed refresh token; record it and tell the resource servers.</summary>
    public async Task AnnounceReuseAsync(string grantId, Actor actor, CancellationToken ct)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.LogWarning("A redeemed refresh token was presented again by client {ClientId}; grant {GrantId} is revoked", actor.ClientId, grantId);
        }

        if (await FindAsync(grantId, ct) is { } grant)
        {
            await PublishAsync(new OAuthGrantRevoked(EventContext.NewEventId(), grantId, grant.TenantId, grant.PersonId, grant.ClientId,
                "refresh_token_reuse", actor with { TenantId = grant.TenantId, PersonId = grant.PersonId }, time.GetUtcNow(), EventContext.TraceId), ct);
        }

        await CredentialChanges.NotifyRevokedAsync(dataSource, grantId);
    }

    /// <summary>Publishes an integration event through the Marten/Wolverine outbox.</summary>
    public async Task PublishAsync(object integrationEvent, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        outbox.Enroll(session);
        await outbox.PublishAsync(integrationEvent);
        await session.SaveChangesAsync(ct);
    }

    private async Task<GrantResponse> DescribeAsync(object authorization, CancellationToken ct)
    {
        var applicationId = await authorizations.GetApplicationIdAsync(authorization, ct);
        var application = applicationId is null ? null : await applications.FindByIdAsync(applicationId, ct);
        var properties = await authorizations.GetPropertiesAsync(authorization, ct);
        return new GrantResponse(
            (await authorizations.GetIdAsync(authorization, ct))!,
            await authorizations.GetSubjectAsync(authorization, ct) ?? "",
            properties.TryGetValue(TenantProperty, out var tenant) ? tenant.GetString() : null,
            application is null ? "" : await applications.GetClientIdAsync(application, ct) ?? "",
            application is null ? null : await applications.GetDisplayNameAsync(application, ct),
            [.. await authorizations.GetScopesAsync(authorization, ct)],
            await authorizations.GetStatusAsync(authorization, ct) ?? "",
            await authorizations.GetCreationDateAsync(authorization, ct));
    }
}
