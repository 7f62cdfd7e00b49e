using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Platform.Auth.Apis;
using Platform.Auth.People;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Account;

/// <summary>
/// <c>GET/POST /account/signin?returnUrl=</c>. Email and password first; a person with TOTP then enters a code on a
/// second form that carries a short-lived encrypted ticket instead of the password. An unknown email and a wrong
/// password get the same answer after the same work (a dummy hash); every outcome is audited.
/// </summary>
public static partial class SignInEndpoints
{
    /// <summary>Every wrong email, password or code gets these words.</summary>
    public const string GenericFailure = "The email, password or code is not right.";

    /// <summary>Memberships of one email address tried per attempt (one per tenant); bounds the hashes an attempt costs.</summary>
    internal const int MaxMembershipsPerEmail = 5;

    /// <summary>How long the second step (the TOTP code) may follow the password.</summary>
    internal static readonly TimeSpan TicketLifetime = TimeSpan.FromMinutes(5);

    public static async Task<IResult> PageAsync(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? tenant)
    {
        if (await PersonAuthentication.SignedInPersonAsync(http) is not null && AccountApi.LocalReturnUrl(returnUrl) is { } target)
        {
            return Results.Redirect(target);
        }

        return Page(http, antiforgery, returnUrl, tenant, email: null, error: null, StatusCodes.Status200OK);
    }

    public static async Task<IResult> SignInAsync(
        HttpContext http, IAntiforgery antiforgery, IDocumentSession session, IMartenOutbox outbox, PasswordHasher hasher,
        SignInLimits limits, SignInAttemptFactory attempts, CancellationToken ct)
    {
        if (!await AccountApi.IsGenuineFormAsync(http, antiforgery))
        {
            return AccountApi.Forged();
        }

        var form = await http.Request.ReadFormAsync(ct);
        var attempt = attempts.Create(http, session, outbox, AccountApi.LocalReturnUrl(form["returnUrl"]),
            form["tenant"].ToString() is { Length: > 0 } t ? t : null, ct);

        if (form["ticket"].ToString() is { Length: > 0 } ticket)
        {
            return await attempt.SecondFactorAsync(ticket, form["code"], limits);
        }

        var email = InviteMemberEndpoint.NormalizeEmail(form["email"].ToString());
        var password = form["password"].ToString();
        if (email.Length is 0 or > InviteMemberEndpoint.MaxEmailLength || password.Length is 0 or > PasswordOptions.MaxLength)
        {
            return attempt.Page(email, "Enter your email and password.", StatusCodes.Status400BadRequest);
        }

        if (await limits.AcquireAsync(http.Connection.RemoteIpAddress, email, ct) is { IsAllowed: false } denied)
        {
            return attempt.TooManyAttempts(email, denied.RetryAfter);
        }

        return await attempt.PasswordAsync(email, password, form["code"], hasher);
    }

    internal static IResult Page(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? tenant, string? email, string? error, int status)
    {
        var page = new AccountPage("Sign in").Heading("Sign in to Platform");
        if (error is not null)
        {
            page.Error(error);
        }

        var tokens = antiforgery.GetAndStoreTokens(http);
        return page.Form(PersonAuthentication.SignInPath, tokens, "Sign in",
                new FormField("email", "Email", "email", email, "username webauthn", MaxLength: InviteMemberEndpoint.MaxEmailLength),
                new FormField("password", "Password", "password", Autocomplete: "current-password", MaxLength: PasswordOptions.MaxLength),
                FormField.Hidden("returnUrl", AccountApi.LocalReturnUrl(returnUrl)),
                FormField.Hidden("tenant", tenant))
            .Form("/account/passkeys/signin", tokens, "Sign in with a passkey", PasskeyEndpoints.FormAttributes("signin"),
                FormField.Hidden("ceremonyId", null), FormField.Hidden("credential", null), FormField.Hidden("returnUrl", AccountApi.LocalReturnUrl(returnUrl)))
            .Script(PasskeyEndpoints.ScriptPath)
            .ContinuesTo(AuthorizationRedirectOf(AccountApi.LocalReturnUrl(returnUrl)))
            .Result(status);
    }

    /// <summary>
    /// The client's redirect URI when signing in continues an authorization request: if the person already consented,
    /// the redirects after the sign-in post end at the client, and the page's <c>form-action</c> must allow that.
    /// </summary>
    private static string? AuthorizationRedirectOf(string? localReturnUrl) =>
        localReturnUrl is not null && localReturnUrl.StartsWith(OAuth.OAuthServer.AuthorizePath + "?", StringComparison.Ordinal)
            ? Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(localReturnUrl[localReturnUrl.IndexOf('?', StringComparison.Ordinal)..])
                .GetValueOrDefault("redirect_uri").FirstOrDefault()
            : null;
}

/// <summary>Builds a <see cref="SignInAttempt"/> with the services every attempt needs.</summary>
public sealed class SignInAttemptFactory(
    IAntiforgery antiforgery, TotpAuthenticator totp, TimeProvider time, IOptionsMonitor<PeopleOptions> options,
    IDataProtectionProvider dataProtection, ILogger<SignInAttempt> logger)
{
    private readonly ITimeLimitedDataProtector _tickets =
        dataProtection.CreateProtector("Platform.Auth.SignIn.Ticket.v1").ToTimeLimitedDataProtector();

    public SignInAttempt Create(HttpContext http, IDocumentSession session, IMartenOutbox outbox, string? returnUrl, string? tenant, CancellationToken ct) =>
        new(http, antiforgery, session, outbox, totp, time, SignInDecider.Policy.From(options.CurrentValue), _tickets, logger, ct)
        {
            ReturnUrl = returnUrl,
            Tenant = tenant,
        };
}

/// <summary>One sign-in attempt: the checks in order, and the events each outcome appends and publishes.</summary>
public sealed partial class SignInAttempt(
    HttpContext http, IAntiforgery antiforgery, IDocumentSession session, IMartenOutbox outbox, TotpAuthenticator totp,
    TimeProvider time, SignInDecider.Policy policy, ITimeLimitedDataProtector tickets, ILogger<SignInAttempt> logger, CancellationToken ct)
{
    public string? ReturnUrl { get; init; }

    public string? Tenant { get; init; }

    internal IResult Page(string? email, string error, int status) =>
        SignInEndpoints.Page(http, antiforgery, ReturnUrl, Tenant, email, error, status);

    internal IResult TooManyAttempts(string email, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Page(email, $"Too many sign-in attempts. Wait {seconds} seconds and try again.", StatusCodes.Status429TooManyRequests);
    }

    internal async Task<IResult> PasswordAsync(string email, string password, string? code, PasswordHasher hasher)
    {
        var now = time.GetUtcNow();
        var memberships = session.Query<Member>().Where(m => m.Email == email && m.RemovedAt == null && m.JoinedAt != null);
        if (Tenant is { } tenant)
        {
            memberships = memberships.Where(m => m.TenantId == tenant);
        }

        var candidates = await memberships.OrderBy(m => m.InvitedAt).Take(SignInEndpoints.MaxMembershipsPerEmail).ToListAsync(ct);

        if (candidates.Count == 0)
        {
            await hasher.VerifyDummyAsync(password, ct);
            outbox.Enroll(session);
            await outbox.PublishAsync(new Integration.SignInFailed(EventContext.NewEventId(), null, null, Integration.SignInFailures.UnknownAccount,
                new Contracts.Actor(null, null, ClientIp), now, EventContext.TraceId));
            await session.SaveChangesAsync(ct);
            return Page(email, SignInEndpoints.GenericFailure, StatusCodes.Status401Unauthorized);
        }

        DateTimeOffset? lockedUntil = null;
        var credentials = await session.LoadManyAsync<PersonCredentials>(ct, candidates.Select(m => m.Id).ToArray());
        foreach (var member in candidates)
        {
            if (SignInDecider.IsLockedOut(member, now))
            {
                lockedUntil = lockedUntil is { } l && l > member.LockedUntil ? l : member.LockedUntil;
                continue;
            }

            var stored = credentials.FirstOrDefault(c => c.Id == member.Id);
            var verification = stored?.PasswordHash is { } hash
                ? await hasher.VerifyAsync(password, hash, ct)
                : new PasswordHasher.Verification(false, false);
            if (!verification.Matches)
            {
                lockedUntil = await RecordFailureAsync(member.Id, Integration.SignInFailures.WrongPassword) ?? lockedUntil;
                continue;
            }

            if (verification.NeedsRehash)
            {
                stored!.PasswordHash = await hasher.HashAsync(password, ct);
                session.Store(stored);
            }

            if (!member.TotpEnabled)
            {
                return await SucceedAsync(member.Id, [PersonAuthentication.Methods.Password]);
            }

            if (string.IsNullOrWhiteSpace(code))
            {
                await SaveFailuresAsync();
                return SecondFactorPage(member, null, StatusCodes.Status200OK);
            }

            return await VerifyCodeAsync(member.Id, code);
        }

        await SaveFailuresAsync();
        return lockedUntil is { } until && until > now
            ? LockedPage(email, until)
            : Page(email, SignInEndpoints.GenericFailure, StatusCodes.Status401Unauthorized);
    }

    internal async Task<IResult> SecondFactorAsync(string ticket, string? code, SignInLimits limits)
    {
        string personId;
        int stamp;
        try
        {
            var parts = tickets.Unprotect(ticket).Split('|');
            personId = parts[0];
            stamp = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or FormatException or IndexOutOfRangeException)
        {
            return Page(null, "The sign-in took too long. Enter your email and password again.", StatusCodes.Status400BadRequest);
        }

        var member = await session.LoadAsync<Member>(personId, ct);
        if (member is null || !member.IsActive || member.SessionStamp != stamp || !member.TotpEnabled)
        {
            return Page(null, "The sign-in took too long. Enter your email and password again.", StatusCodes.Status400BadRequest);
        }

        if (await limits.AcquireAsync(http.Connection.RemoteIpAddress, member.Email, ct) is { IsAllowed: false } denied)
        {
            return TooManyAttempts(member.Email, denied.RetryAfter);
        }

        if (SignInDecider.IsLockedOut(member, time.GetUtcNow()))
        {
            return LockedPage(member.Email, member.LockedUntil!.Value);
        }

        return await VerifyCodeAsync(member.Id, code);
    }

    private async Task<IResult> VerifyCodeAsync(string personId, string? code)
    {
        var credentials = await session.LoadAsync<PersonCredentials>(personId, ct);
        var step = credentials?.TotpSecret is { } secret ? totp.Verify(secret, code, credentials.LastTotpStep) : null;
        if (step is null)
        {
            var lockedUntil = await RecordFailureAsync(personId, Integration.SignInFailures.WrongCode);
            await SaveFailuresAsync();
            var member = await session.LoadAsync<Member>(personId, ct);
            return lockedUntil is { } until
                ? LockedPage(member?.Email, until)
                : member is null ? Page(null, SignInEndpoints.GenericFailure, StatusCodes.Status401Unauthorized)
                : SecondFactorPage(member, SignInEndpoints.GenericFailure, StatusCodes.Status401Unauthorized);
        }

        credentials!.LastTotpStep = step.Value;
        session.Store(credentials);
        return await SucceedAsync(personId, [PersonAuthentication.Methods.Password, PersonAuthentication.Methods.Otp]);
    }

    /// <summary>
    /// Saves recorded failures. Two failed attempts on one account at the same moment race on its stream; the loser's
    /// failure is then not counted (the attempt limit still counted it), which is better than answering it with a 500.
    /// </summary>
    private async Task SaveFailuresAsync()
    {
        if (!await MemberStreams.TrySaveAsync(session, ct))
        {
            LogFailureNotCounted(logger);
        }
    }

    /// <summary>A failed proof other than a password (a passkey): recorded like one, answered with the generic page.</summary>
    internal async Task<IResult> FailAsync(string personId, string reason)
    {
        var lockedUntil = await RecordFailureAsync(personId, reason);
        await SaveFailuresAsync();
        return lockedUntil is { } until ? LockedPage(null, until) : Page(null, SignInEndpoints.GenericFailure, StatusCodes.Status401Unauthorized);
    }

    /// <summary>Appends the failure (and a lockout when it is due) and publishes both; returns the lockout's end if this failure locked the account.</summary>
    private async Task<DateTimeOffset?> RecordFailureAsync(string personId, string reason)
    {
        var stream = await session.Events.FetchForWriting<Member>(personId, ct);
        if (stream.Aggregate is not { } member)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var events = SignInDecider.Failed(member, reason, policy, now);
        stream.AppendMany(events);
        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.SignInFailed(EventContext.NewEventId(), member.Id, member.TenantId, reason,
            AccountApi.ActorOf(member, http), now, EventContext.TraceId));
        if (events.OfType<SignInLockedOut>().FirstOrDefault() is { } locked)
        {
            await outbox.PublishAsync(new Integration.SignInLockedOut(EventContext.NewEventId(), member.Id, member.TenantId, locked.Until,
                locked.Failures, AccountApi.ActorOf(member, http), now, EventContext.TraceId));
            LogLockedOut(logger, member.Id, locked.Until);
            return locked.Until;
        }

        return null;
    }

    internal async Task<IResult> SucceedAsync(string personId, IReadOnlyList<string> methods)
    {
        var stream = await session.Events.FetchForWriting<Member>(personId, ct);
        var member = stream.Aggregate!;
        var now = time.GetUtcNow();
        var succeeded = SignInDecider.Succeeded(member, methods, now);
        stream.AppendOne(succeeded);
        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.SignInSucceeded(EventContext.NewEventId(), member.Id, member.TenantId, methods,
            AccountApi.ActorOf(member, http), now, EventContext.TraceId));
        if (!await MemberStreams.TrySaveAsync(session, ct))
        {
            return Page(member.Email, "Something changed at the same moment. Please sign in again.", StatusCodes.Status409Conflict);
        }

        await http.SignInAsync(PersonAuthentication.Scheme, PersonAuthentication.PrincipalOf(member, methods));
        return AccountApi.SeeOther(ReturnUrl ?? "/account");
    }

    private IResult SecondFactorPage(Member member, string? error, int status)
    {
        var ticket = tickets.Protect($"{member.Id}|{member.SessionStamp}", SignInEndpoints.TicketLifetime);
        var page = new AccountPage("Sign in").Heading("Enter your code");
        if (error is not null)
        {
            page.Error(error);
        }

        return page.Paragraph("Open your authenticator app and enter the 6-digit code it shows for Platform.")
            .Form(PersonAuthentication.SignInPath, antiforgery.GetAndStoreTokens(http), "Sign in",
                new FormField("code", "Code", "text", Autocomplete: "one-time-code", MaxLength: 8, InputMode: "numeric"),
                FormField.Hidden("ticket", ticket),
                FormField.Hidden("returnUrl", ReturnUrl),
                FormField.Hidden("tenant", Tenant))
            .Result(status);
    }

    internal IResult LockedPage(string? email, DateTimeOffset until)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling((until - time.GetUtcNow()).TotalMinutes));
        return Page(email, $"This account is locked after too many failed sign-ins. Try again in {minutes} minute{(minutes == 1 ? "" : "s")}.",
            StatusCodes.Status423Locked);
    }

    private string? ClientIp => http.Connection.RemoteIpAddress?.ToString();

    [LoggerMessage(Level = LogLevel.Information, Message = "A failed sign-in was not counted: another attempt on the same account saved first")]
    private static partial void LogFailureNotCounted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Person {PersonId} locked out of sign-in until {Until}")]
    private static partial void LogLockedOut(ILogger logger, string personId, DateTimeOffset until);
}
