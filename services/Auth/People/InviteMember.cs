using System.Net.Mail;
using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Platform.Auth.Apis;
using Platform.Auth.Tenants;
using Platform.Authentication;
using Platform.Credentials.Scopes;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.People;

public sealed record InviteMemberRequest(string? Email, string? DisplayName, IReadOnlyList<string>? Roles);

public static class InviteMemberEndpoint
{
    public const int MaxEmailLength = 254;
    public const int MaxDisplayNameLength = 200;

    /// <summary>Trimmed and lower-cased: one address, one spelling, so uniqueness and sign-in agree.</summary>
    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static string? Validate(InviteMemberRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || request.Email.Trim().Length > MaxEmailLength
            || !MailAddress.TryCreate(request.Email.Trim(), out var address) || address.Address != request.Email.Trim()
            || address.Address.Contains(' ', StringComparison.Ordinal))
            return $"email must be one plain address of at most {MaxEmailLength} characters.";
        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Trim().Length > MaxDisplayNameLength
            || request.DisplayName.Any(char.IsControl))
            return $"displayName is required, at most {MaxDisplayNameLength} characters, with no control characters.";
        if (request.Roles is not { Count: > 0 })
            return "at least one role is required: read, write, admin or debug.";
        if (request.Roles.FirstOrDefault(r => !Role.IsKnown(r)) is { } badRole)
            return $"unknown role '{badRole}'; known roles: read, write, admin, debug.";
        return null;
    }

    /// <summary><c>POST /admin/tenants/{tenantId}/invitations</c>: the tenant's admin key or the platform admin.</summary>
    public static async Task<Results<Created<InvitationResponse>, ProblemHttpResult>> HandleAsync(
        string tenantId, InviteMemberRequest request, IDocumentSession session, IMartenOutbox outbox,
        IOptionsMonitor<PeopleOptions> options, IConfiguration configuration,
        TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        if (await session.LoadAsync<Tenant>(tenantId, ct) is null)
        {
            return AdminProblems.NotFound($"Tenant '{tenantId}'");
        }

        return await InviteAsync(tenantId, request, session, outbox, options, configuration, time, user, http, ct);
    }

    /// <summary><c>POST /admin/platform/invitations</c>: a platform administrator (a person of no tenant); platform admin only.</summary>
    public static Task<Results<Created<InvitationResponse>, ProblemHttpResult>> HandlePlatformAsync(
        InviteMemberRequest request, IDocumentSession session, IMartenOutbox outbox,
        IOptionsMonitor<PeopleOptions> options, IConfiguration configuration,
        TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
        InviteAsync(null, request, session, outbox, options, configuration, time, user, http, ct);

    private static async Task<Results<Created<InvitationResponse>, ProblemHttpResult>> InviteAsync(
        string? tenantId, InviteMemberRequest request, IDocumentSession session, IMartenOutbox outbox,
        IOptionsMonitor<PeopleOptions> options, IConfiguration configuration,
        TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        if (Validate(request) is { } problem)
        {
            return AdminProblems.Invalid(problem);
        }

        var email = NormalizeEmail(request.Email!);
        var emailKey = Member.EmailKeyOf(tenantId, email);
        if (await session.Query<Member>().AnyAsync(m => m.EmailKey == emailKey, ct))
        {
            return AdminProblems.Conflict($"'{email}' is already a member or invited; remove the person first to invite again.");
        }

        var now = time.GetUtcNow();
        var personId = PersonId.New(now);
        var invitationId = "inv_" + Guid.CreateVersion7().ToString("N");
        var token = InvitationToken.New();
        var roles = request.Roles!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var invited = new MemberInvited(personId, tenantId, email, request.DisplayName!.Trim(), roles, invitationId,
            now + options.CurrentValue.InvitationLifetime, user.KeyIdOf() ?? "unknown", now);

        session.Events.StartStream<Member>(personId, invited);
        session.Insert(new Invitation { Id = InvitationToken.HashOf(token), InvitationId = invitationId, PersonId = personId, ExpiresAt = invited.ExpiresAt });
        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.MemberInvited(EventContext.NewEventId(), personId, tenantId, email, invited.DisplayName,
            roles, invitationId, invited.ExpiresAt, EventContext.ActorOf(user, http), now, EventContext.TraceId));
        if (!await MemberStreams.TrySaveAsync(session, ct))
        {
            return AdminProblems.Conflict($"'{email}' was invited by someone else at the same time.");
        }

        var url = $"{PublicBaseUrl(http, options.CurrentValue, configuration)}/account/invitations/{token}";
        var location = tenantId is null ? $"/admin/platform/members/{personId}" : $"/admin/tenants/{tenantId}/members/{personId}";
        return TypedResults.Created(location, new InvitationResponse(invitationId, personId, url, invited.ExpiresAt));
    }

    /// <summary>Where people reach Auth: configured, else the token issuer, else Auth's service URL, else the request's.</summary>
    public static string PublicBaseUrl(HttpContext http, PeopleOptions options, IConfiguration configuration) =>
        (options.PublicBaseUrl ?? configuration["Auth:Tokens:Issuer"] ?? configuration["services:auth:http:0"]
            ?? $"{http.Request.Scheme}://{http.Request.Host}").TrimEnd('/');
}
