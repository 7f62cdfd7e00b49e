using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Platform.Auth.Apis;
using Platform.Auth.People;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Account;

/// <summary>
/// <c>GET/POST /account/totp</c>: a signed-in person enrols an authenticator app (the secret is shown as an
/// <c>otpauth:</c> URI and in base32, and takes effect only once a code from the app confirms it), or switches it off
/// with a current code. Either change ends the person's other sessions; this one is renewed.
/// </summary>
public static class TotpEndpoints
{
    private const string Path = "/account/totp";

    public static async Task<IResult> PageAsync(HttpContext http, IAntiforgery antiforgery, IDocumentSession session, TotpAuthenticator totp, CancellationToken ct)
    {
        if (await SignedInMemberAsync(http, session, ct) is not { } member)
        {
            return SignInFirst();
        }

        return await PageOfAsync(http, antiforgery, session, totp, member, null, StatusCodes.Status200OK, ct);
    }

    public static async Task<IResult> EnableAsync(
        HttpContext http, IAntiforgery antiforgery, IDocumentSession session, IMartenOutbox outbox, TotpAuthenticator totp,
        TimeProvider time, CancellationToken ct)
    {
        if (!await AccountApi.IsGenuineFormAsync(http, antiforgery))
        {
            return AccountApi.Forged();
        }

        if (await SignedInMemberAsync(http, session, ct) is not { } member)
        {
            return SignInFirst();
        }

        var credentials = await session.LoadAsync<PersonCredentials>(member.Id, ct);
        if (member.TotpEnabled || credentials?.PendingTotpSecret is not { } pending)
        {
            return await PageOfAsync(http, antiforgery, session, totp, member, null, StatusCodes.Status200OK, ct);
        }

        var form = await http.Request.ReadFormAsync(ct);
        if (totp.Verify(pending, form["code"], credentials.LastTotpStep) is not { } step)
        {
            return await PageOfAsync(http, antiforgery, session, totp, member, "That code is not right. Check the time on your device and try the next code.", StatusCodes.Status400BadRequest, ct);
        }

        credentials.TotpSecret = pending;
        credentials.PendingTotpSecret = null;
        credentials.LastTotpStep = step;
        session.Store(credentials);
        var now = time.GetUtcNow();
        return await ChangeAsync(http, session, outbox, member, new TotpEnabled(member.Id, now), "totp_enabled",
            [PersonAuthentication.Methods.Password, PersonAuthentication.Methods.Otp], now, ct);
    }

    public static async Task<IResult> DisableAsync(
        HttpContext http, IAntiforgery antiforgery, IDocumentSession session, IMartenOutbox outbox, TotpAuthenticator totp,
        TimeProvider time, CancellationToken ct)
    {
        if (!await AccountApi.IsGenuineFormAsync(http, antiforgery))
        {
            return AccountApi.Forged();
        }

        if (await SignedInMemberAsync(http, session, ct) is not { } member)
        {
            return SignInFirst();
        }

        var credentials = await session.LoadAsync<PersonCredentials>(member.Id, ct);
        var form = await http.Request.ReadFormAsync(ct);
        if (!member.TotpEnabled || credentials?.TotpSecret is not { } secret || totp.Verify(secret, form["code"], credentials.LastTotpStep) is not { } step)
        {
            return await PageOfAsync(http, antiforgery, session, totp, member, "That code is not right.", StatusCodes.Status400BadRequest, ct);
        }

        credentials.TotpSecret = null;
        credentials.LastTotpStep = step;
        session.Store(credentials);
        var now = time.GetUtcNow();
        return await ChangeAsync(http, session, outbox, member, new TotpDisabled(member.Id, member.Id, now), "totp_disabled",
            [PersonAuthentication.Methods.Password], now, ct);
    }

    private static async Task<IResult> ChangeAsync(
        HttpContext http, IDocumentSession session, IMartenOutbox outbox, Member member, object change, string changeName,
        IReadOnlyList<string> methods, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Member>(member.Id, member.Version, ct);
        stream.AppendOne(change);
        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.MemberCredentialChanged(EventContext.NewEventId(), member.Id, member.TenantId, changeName,
            AccountApi.ActorOf(member, http), now, EventContext.TraceId));
        if (!await MemberStreams.TrySaveAsync(session, ct))
        {
            return AccountApi.SeeOther(Path);
        }

        var updated = await session.LoadAsync<Member>(member.Id, ct);
        await http.SignInAsync(PersonAuthentication.Scheme, PersonAuthentication.PrincipalOf(updated!, methods));
        return AccountApi.SeeOther("/account");
    }

    private static async Task<IResult> PageOfAsync(
        HttpContext http, IAntiforgery antiforgery, IDocumentSession session, TotpAuthenticator totp, Member member, string? error, int status, CancellationToken ct)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var page = new AccountPage("Authenticator app");
        if (member.TotpEnabled)
        {
            page.Heading("Your authenticator app is on")
                .Paragraph("Signing in asks for a code from it. To switch it off, enter a current code.");
            if (error is not null)
            {
                page.Error(error);
            }

            return page.Form(Path + "/disable", tokens, "Switch off",
                    new FormField("code", "Code", Autocomplete: "one-time-code", MaxLength: 8, InputMode: "numeric"))
                .Link("/account", "Back to your account")
                .Result(status);
        }

        var credentials = await session.LoadAsync<PersonCredentials>(member.Id, ct) ?? new PersonCredentials { Id = member.Id };
        if (credentials.PendingTotpSecret is null)
        {
            credentials.PendingTotpSecret = totp.NewProtectedSecret();
            session.Store(credentials);
            await session.SaveChangesAsync(ct);
        }

        var secret = totp.Base32Of(credentials.PendingTotpSecret);
        page.Heading("Add an authenticator app")
            .Paragraph("Add this account to your authenticator app, then enter the code it shows to switch it on.");
        if (error is not null)
        {
            page.Error(error);
        }

        return page.Code("Setup link (paste it into the app, or open it on the same device):", TotpAuthenticator.OtpAuthUri(secret, member.Email))
            .Code("Or enter this key by hand:", secret)
            .Form(Path, tokens, "Switch on",
                new FormField("code", "Code", Autocomplete: "one-time-code", MaxLength: 8, InputMode: "numeric"))
            .Link("/account", "Back to your account")
            .Result(status);
    }

    internal static async Task<Member?> SignedInMemberAsync(HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var person = await PersonAuthentication.SignedInPersonAsync(http);
        return person?.FindFirstValue(PersonAuthentication.Claims.Subject) is { } personId
            ? await session.LoadAsync<Member>(personId, ct)
            : null;
    }

    private static IResult SignInFirst() =>
        Results.Redirect($"{PersonAuthentication.SignInPath}?{PersonAuthentication.ReturnUrlParameter}={Uri.EscapeDataString(Path)}");
}
