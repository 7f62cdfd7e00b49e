using Marten;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Platform.Auth.Apis;
using Platform.Auth.People;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Account;

/// <summary>
/// <c>GET/POST /account/invitations/{token}</c>: the invited person chooses a password and is signed in. The link works
/// once and until it expires; any other link gets a 4xx page that says why.
/// </summary>
public static class InvitationEndpoints
{
    public static async Task<IResult> PageAsync(string token, HttpContext http, IAntiforgery antiforgery, IQuerySession session, TimeProvider time, CancellationToken ct)
    {
        var (invitation, member, problem) = await FindAsync(token, session, time, ct);
        return problem ?? Page(http, antiforgery, token, invitation!, member!, null, StatusCodes.Status200OK);
    }

    public static async Task<IResult> AcceptAsync(
        string token, HttpContext http, IAntiforgery antiforgery, IDocumentSession session, IMartenOutbox outbox, PasswordHasher hasher,
        TimeProvider time, CancellationToken ct)
    {
        if (!await AccountApi.IsGenuineFormAsync(http, antiforgery))
        {
            return AccountApi.Forged();
        }

        var (invitation, member, problem) = await FindAsync(token, session, time, ct);
        if (problem is not null)
        {
            return problem;
        }

        var form = await http.Request.ReadFormAsync(ct);
        var password = form["password"].ToString();
        if (ProblemWith(password, form["confirmPassword"].ToString(), member!.Email) is { } invalid)
        {
            return Page(http, antiforgery, token, invitation!, member, invalid, StatusCodes.Status400BadRequest);
        }

        JasperFx.Events.IEventStream<Member> stream;
        try
        {
            stream = await session.Events.FetchForWriting<Member>(member.Id, member.Version, ct);
        }
        catch (JasperFx.ConcurrencyException)
        {
            return Gone("This invitation has already been used. Sign in with the password chosen then.");
        }

        var now = time.GetUtcNow();
        var methods = new[] { PersonAuthentication.Methods.Password };
        var accepted = new InvitationAccepted(member.Id, invitation!.InvitationId, now);
        var passwordSet = new PasswordSet(member.Id, now);
        var signedIn = SignInDecider.Succeeded(member, methods, now);
        stream.AppendMany(accepted, passwordSet, signedIn);

        invitation.AcceptedAt = now;
        session.Store(invitation);
        session.Store(new PersonCredentials { Id = member.Id, PasswordHash = await hasher.HashAsync(password, ct) });

        var actor = AccountApi.ActorOf(member, http);
        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.MemberJoined(EventContext.NewEventId(), member.Id, member.TenantId, invitation.InvitationId, actor, now, EventContext.TraceId));
        await outbox.PublishAsync(new Integration.MemberCredentialChanged(EventContext.NewEventId(), member.Id, member.TenantId, "password_set", actor, now, EventContext.TraceId));
        await outbox.PublishAsync(new Integration.SignInSucceeded(EventContext.NewEventId(), member.Id, member.TenantId, methods, actor, now, EventContext.TraceId));
        if (!await MemberStreams.TrySaveAsync(session, ct))
        {
            return Gone("This invitation has already been used. Sign in with the password chosen then.");
        }

        member.Apply(accepted);
        member.Apply(passwordSet);
        member.Apply(signedIn);
        await http.SignInAsync(PersonAuthentication.Scheme, PersonAuthentication.PrincipalOf(member, methods));
        return AccountApi.SeeOther("/account");
    }

    /// <summary>The password rules: 12 to 256 characters, typed the same twice, and not the email address itself.</summary>
    public static string? ProblemWith(string password, string confirmation, string email)
    {
        if (password.Length < PasswordOptions.MinLength || password.Length > PasswordOptions.MaxLength)
            return $"Choose a password of {PasswordOptions.MinLength} to {PasswordOptions.MaxLength} characters.";
        if (!string.Equals(password, confirmation, StringComparison.Ordinal))
            return "The two passwords are not the same.";
        if (string.Equals(password.Trim(), email, StringComparison.OrdinalIgnoreCase))
            return "Your password cannot be your email address.";
        return null;
    }

    private static async Task<(Invitation?, Member?, IResult?)> FindAsync(string token, IQuerySession session, TimeProvider time, CancellationToken ct)
    {
        var invitation = InvitationToken.LooksValid(token) ? await session.LoadAsync<Invitation>(InvitationToken.HashOf(token), ct) : null;
        var member = invitation is null ? null : await session.LoadAsync<Member>(invitation.PersonId, ct);
        if (invitation is null || member is null || member.RemovedAt is not null)
        {
            return (null, null, new AccountPage("Invitation not found")
                .Heading("This invitation link is not valid")
                .Error("Check that you copied the whole link, or ask your administrator for a new invitation.")
                .Result(StatusCodes.Status404NotFound));
        }

        if (invitation.AcceptedAt is not null || member.JoinedAt is not null)
        {
            return (null, null, Gone("This invitation has already been used. Sign in with the password chosen then."));
        }

        if (invitation.ExpiresAt <= time.GetUtcNow())
        {
            return (null, null, Gone("This invitation has expired. Ask your administrator for a new one."));
        }

        return (invitation, member, null);
    }

    private static IResult Gone(string message) =>
        new AccountPage("Invitation").Heading("This invitation cannot be used").Error(message)
            .Link(PersonAuthentication.SignInPath, "Sign in").Result(StatusCodes.Status410Gone);

    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string token, Invitation invitation, Member member, string? error, int status)
    {
        var page = new AccountPage("Accept your invitation")
            .Heading("Welcome to Platform")
            .Paragraph($"You were invited as {member.DisplayName} ({member.Email}). Choose a password to finish.");
        if (error is not null)
        {
            page.Error(error);
        }

        var expires = invitation.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        return page
            .Form($"/account/invitations/{token}", antiforgery.GetAndStoreTokens(http), "Set password and sign in",
                new FormField("password", "Password", "password", Autocomplete: "new-password", MaxLength: PasswordOptions.MaxLength,
                    Hint: $"{PasswordOptions.MinLength} to {PasswordOptions.MaxLength} characters; a passphrase of several words is good."),
                new FormField("confirmPassword", "Password again", "password", Autocomplete: "new-password", MaxLength: PasswordOptions.MaxLength))
            .Paragraph($"This invitation works once, until {expires}.")
            .Result(status);
    }
}
