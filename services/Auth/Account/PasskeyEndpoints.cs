using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Marten;
using Microsoft.AspNetCore.Antiforgery;
using Platform.Auth.Apis;
using Platform.Auth.People;
using Wolverine.Marten;
using Integration = Platform.Contracts.Auth;

namespace Platform.Auth.Account;

/// <summary>
/// Passkeys (WebAuthn through Fido2): <c>/account/passkeys/register/options</c> and <c>/register</c> for a signed-in
/// person, <c>/account/passkeys/signin/options</c> and <c>/signin</c> for anyone. The options calls answer JSON for
/// <c>/account/passkeys.js</c>; the final posts are ordinary forms (antiforgery, 303 on success), so a passkey
/// sign-in ends exactly like a password one, with <c>amr</c> <c>hwk</c>. Discoverable credentials only: the browser
/// offers the person's passkeys without an email being typed.
/// </summary>
public static class PasskeyEndpoints
{
    public const string ScriptPath = "/account/passkeys.js";

    /// <summary>What marks a form for the script: which ceremony, and where its options come from.</summary>
    public static IReadOnlyDictionary<string, string> FormAttributes(string kind) => new Dictionary<string, string>
    {
        ["data-passkey"] = kind,
        ["data-options"] = $"/account/passkeys/{kind}/options",
    };

    public static RouteGroupBuilder MapPasskeyEndpoints(this RouteGroupBuilder account)
    {
        account.MapGet("/passkeys.js", () => Results.Text(Script, "text/javascript; charset=utf-8"));
        account.MapPost("/passkeys/register/options", RegisterOptionsAsync);
        account.MapPost("/passkeys/register", RegisterAsync);
        account.MapPost("/passkeys/signin/options", SignInOptionsAsync);
        account.MapPost("/passkeys/signin", SignInAsync);
        return account;
    }

    private static async Task<IResult> RegisterOptionsAsync(
        HttpContext http, IAntiforgery antiforgery, IDocumentSession session, PasskeyRelyingParty relyingParty, TimeProvider time, CancellationToken ct)
    {
        if (!await AccountApi.IsGenuineFormAsync(http, antiforgery))
        {
            return AccountApi.Forged();
        }

        if (await TotpEndpoints.SignedInMemberAsync(http, session, ct) is not { } member)
        {
            return Results.Unauthorized();
        }

        var existing = await session.Query<Passkey>().Where(p => p.PersonId == member.Id).ToListAsync(ct);
        var options = relyingParty.For(http).RequestNewCredential(new RequestNewCredentialParams
        {
            User = PasskeyRelyingParty.UserOf(member),
            ExcludeCredentials = [.. existing.Select(p => new PublicKeyCredentialDescriptor(FromBase64Url(p.Id)))],
            AuthenticatorSelection = PasskeyRelyingParty.Selection,
            AttestationPreference = AttestationConveyancePreference.None,
        });
        return await BeginAsync(session, PasskeyCeremony.Registration, member.Id, options.ToJson(), time, ct);
    }

    private static async Task<IResult> RegisterAsync(
        HttpContext http, IAntiforgery antiforgery, IDocumentSession session, IMartenOutbox outbox, PasskeyRelyingParty relyingParty,
        TimeProvider time, CancellationToken ct)
    {
        if (!await AccountApi.IsGenuineFormAsync(http, antiforgery))
        {
            return AccountApi.Forged();
        }

        if (await TotpEndpoints.SignedInMemberAsync(http, session, ct) is not { } member)
        {
            return AccountApi.SeeOther($"{PersonAuthentication.SignInPath}?{PersonAuthentication.ReturnUrlParameter}=%2Faccount");
        }

        var form = await http.Request.ReadFormAsync(ct);
        var ceremony = await TakeCeremonyAsync(session, form["ceremonyId"], PasskeyCeremony.Registration, time, ct);
        var response = Parse<AuthenticatorAttestationRawResponse>(form["credential"]);
        if (ceremony is null || ceremony.PersonId != member.Id || response is null)
        {
            await session.SaveChangesAsync(ct);
            return Problem("The passkey could not be added: the request expired or was incomplete. Try again.");
        }

        RegisteredPublicKeyCredential credential;
        try
        {
            credential = await relyingParty.For(http).MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = CredentialCreateOptions.FromJson(ceremony.OptionsJson),
                IsCredentialIdUniqueToUserCallback = async (args, token) =>
                    await session.LoadAsync<Passkey>(PasskeyRelyingParty.Base64Url(args.CredentialId), token) is null,
            }, ct);
        }
        catch (Fido2VerificationException)
        {
            await session.SaveChangesAsync(ct);
            return Problem("The passkey could not be verified. Try again.");
        }

        var now = time.GetUtcNow();
        var id = PasskeyRelyingParty.Base64Url(credential.Id);
        session.Insert(new Passkey { Id = id, PersonId = member.Id, PublicKey = credential.PublicKey, SignCount = credential.SignCount, CreatedAt = now });
        session.Events.Append(member.Id, new PasskeyAdded(member.Id, id, now));
        outbox.Enroll(session);
        await outbox.PublishAsync(new Integration.MemberCredentialChanged(EventContext.NewEventId(), member.Id, member.TenantId, "passkey_added",
            AccountApi.ActorOf(member, http), now, EventContext.TraceId));
        await session.SaveChangesAsync(ct);
        return AccountApi.SeeOther("/account");
    }

    private static async Task<IResult> SignInOptionsAsync(
        HttpContext http, IAntiforgery antiforgery, IDocumentSession session, PasskeyRelyingParty relyingParty, TimeProvider time, CancellationToken ct)
    {
        if (!await AccountApi.IsGenuineFormAsync(http, antiforgery))
        {
            return AccountApi.Forged();
        }

        var options = relyingParty.For(http).GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = [],
            UserVerification = UserVerificationRequirement.Preferred,
        });
        return await BeginAsync(session, PasskeyCeremony.Assertion, null, options.ToJson(), time, ct);
    }

    private static async Task<IResult> SignInAsync(
        HttpContext http, IAntiforgery antiforgery, IDocumentSession session, IMartenOutbox outbox, PasskeyRelyingParty relyingParty,
        SignInLimits limits, SignInAttemptFactory attempts, TimeProvider time, CancellationToken ct)
    {
        if (!await AccountApi.IsGenuineFormAsync(http, antiforgery))
        {
            return AccountApi.Forged();
        }

        var form = await http.Request.ReadFormAsync(ct);
        var attempt = attempts.Create(http, session, outbox, AccountApi.LocalReturnUrl(form["returnUrl"]), null, ct);
        var ceremony = await TakeCeremonyAsync(session, form["ceremonyId"], PasskeyCeremony.Assertion, time, ct);
        var response = Parse<AuthenticatorAssertionRawResponse>(form["credential"]);
        var passkey = response?.Id is { Length: > 0 and <= 1400 } credentialId ? await session.LoadAsync<Passkey>(credentialId, ct) : null;
        var member = passkey is null ? null : await session.LoadAsync<Member>(passkey.PersonId, ct);
        if (ceremony is null || response is null || passkey is null || member is null || !member.IsActive)
        {
            await session.SaveChangesAsync(ct);
            return attempt.Page(null, "That passkey is not known here, or the sign-in took too long. Try again, or use your password.", StatusCodes.Status401Unauthorized);
        }

        if (await limits.AcquireAsync(http.Connection.RemoteIpAddress, member.Email, ct) is { IsAllowed: false } denied)
        {
            await session.SaveChangesAsync(ct);
            return attempt.TooManyAttempts(member.Email, denied.RetryAfter);
        }

        if (SignInDecider.IsLockedOut(member, time.GetUtcNow()))
        {
            await session.SaveChangesAsync(ct);
            return attempt.LockedPage(member.Email, member.LockedUntil!.Value);
        }

        VerifyAssertionResult verified;
        try
        {
            verified = await relyingParty.For(http).MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = AssertionOptions.FromJson(ceremony.OptionsJson),
                StoredPublicKey = passkey.PublicKey,
                StoredSignatureCounter = passkey.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) =>
                    Task.FromResult(args.UserHandle.AsSpan().SequenceEqual(PasskeyRelyingParty.UserHandleOf(passkey.PersonId))),
            }, ct);
        }
        catch (Fido2VerificationException)
        {
            return await attempt.FailAsync(member.Id, Integration.SignInFailures.WrongPasskey);
        }

        passkey.SignCount = verified.SignCount;
        passkey.LastUsedAt = time.GetUtcNow();
        session.Store(passkey);
        return await attempt.SucceedAsync(member.Id, [PersonAuthentication.Methods.Passkey]);
    }

    private static async Task<IResult> BeginAsync(IDocumentSession session, string kind, string? personId, string optionsJson, TimeProvider time, CancellationToken ct)
    {
        var ceremony = new PasskeyCeremony
        {
            Id = PasskeyRelyingParty.Base64Url(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            Kind = kind,
            PersonId = personId,
            OptionsJson = optionsJson,
            ExpiresAt = time.GetUtcNow() + PasskeyRelyingParty.CeremonyLifetime,
        };
        session.Insert(ceremony);
        await session.SaveChangesAsync(ct);
        return Results.Json(new PasskeyCeremonyStarted(ceremony.Id, JsonDocument.Parse(optionsJson).RootElement));
    }

    /// <summary>Loads and deletes (in the caller's next save) the ceremony: each challenge is answered once.</summary>
    private static async Task<PasskeyCeremony?> TakeCeremonyAsync(IDocumentSession session, string? id, string kind, TimeProvider time, CancellationToken ct)
    {
        if (id is not { Length: > 0 and <= 64 } || await session.LoadAsync<PasskeyCeremony>(id, ct) is not { } ceremony)
        {
            return null;
        }

        session.Delete(ceremony);
        return ceremony.Kind == kind && ceremony.ExpiresAt > time.GetUtcNow() ? ceremony : null;
    }

    private static T? Parse<T>(string? json) where T : class
    {
        if (json is not { Length: > 0 and <= 64 * 1024 })
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64 + new string('=', (4 - base64.Length % 4) % 4));
    }

    private static IResult Problem(string message) =>
        new AccountPage("Passkey").Heading("Passkey not added").Error(message).Link("/account", "Back to your account")
            .Result(StatusCodes.Status400BadRequest);

    /// <summary>What the options calls answer: the ceremony to quote back, and the options for the browser.</summary>
    public sealed record PasskeyCeremonyStarted(string CeremonyId, JsonElement Options);

    /// <summary>
    /// The browser side: asks for options, lets the browser create or use a passkey, and posts the result with the
    /// page's form (so antiforgery and the redirect work as for passwords). Served from Auth: <c>script-src 'self'</c>.
    /// </summary>
    public const string Script = """
        "use strict";
        for (const form of document.querySelectorAll("form[data-passkey]")) {
          form.addEventListener("submit", async (event) => {
            if (form.elements.credential.value) { return; }
            event.preventDefault();
            const kind = form.dataset.passkey;
            const answer = await fetch(form.dataset.options, { method: "POST", body: new URLSearchParams(new FormData(form)) });
            if (!answer.ok) { return; }
            const started = await answer.json();
            const credential = kind === "register"
              ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(started.options) })
              : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(started.options) });
            form.elements.ceremonyId.value = started.ceremonyId;
            form.elements.credential.value = JSON.stringify(credential.toJSON());
            form.submit();
          });
        }
        """;
}
