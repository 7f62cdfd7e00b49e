using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace Platform.Auth.Account;

/// <summary>
/// The pages a person uses in a browser: sign-in and sign-out, accepting an invitation, and TOTP enrolment. Every form
/// carries an antiforgery token, checked by hand so that a forged post gets an HTML 400 page rather than an exception.
/// </summary>
public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        account.MapGet("/account.css", () => Results.Text(AccountPage.Stylesheet, "text/css; charset=utf-8"));
        account.MapGet("", HomeAsync);
        account.MapGet("/signin", SignInEndpoints.PageAsync);
        account.MapPost("/signin", SignInEndpoints.SignInAsync);
        account.MapPost("/signout", SignOutAsync);
        account.MapGet("/invitations/{token}", InvitationEndpoints.PageAsync);
        account.MapPost("/invitations/{token}", InvitationEndpoints.AcceptAsync);
        account.MapGet("/totp", TotpEndpoints.PageAsync);
        account.MapPost("/totp", TotpEndpoints.EnableAsync);
        account.MapPost("/totp/disable", TotpEndpoints.DisableAsync);
        account.MapPasskeyEndpoints();
        return app;
    }

    /// <summary>
    /// <paramref name="returnUrl"/> if it is a path on this site, else null: <c>//host</c> and <c>/\host</c> are
    /// protocol-relative URLs to another site in browsers, so they are refused like absolute ones.
    /// </summary>
    public static string? LocalReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 and <= 2048 } url && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Contains('\\', StringComparison.Ordinal) && !url.Any(char.IsControl)
            ? url
            : null;

    internal static IResult Forged() =>
        new AccountPage("Form expired")
            .Heading("This form has expired")
            .Error("The form was not sent from this site, or it was open too long. Go back, reload the page and try again.")
            .Link(PersonAuthentication.SignInPath, "Sign in")
            .Result(StatusCodes.Status400BadRequest);

    internal static async Task<bool> IsGenuineFormAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!http.Request.HasFormContentType)
        {
            return false;
        }

        try
        {
            return await antiforgery.IsRequestValidAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return false;
        }
    }

    private static async Task<IResult> HomeAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (await PersonAuthentication.SignedInPersonAsync(http) is not { } person)
        {
            return Results.Redirect($"{PersonAuthentication.SignInPath}?{PersonAuthentication.ReturnUrlParameter}=%2Faccount");
        }

        var tokens = antiforgery.GetAndStoreTokens(http);
        var methods = string.Join(", ", person.FindAll(PersonAuthentication.Claims.Methods).Select(c => c.Value));
        var roles = string.Join(", ", person.FindAll(PersonAuthentication.Claims.Role).Select(c => c.Value));
        return new AccountPage("Your account")
            .Heading("You are signed in")
            .Paragraph($"{person.FindFirstValue(PersonAuthentication.Claims.Name)} ({person.FindFirstValue(PersonAuthentication.Claims.Email)})")
            .Paragraph($"Roles: {roles}. Signed in with: {methods}.")
            .Link("/account/totp", "Authenticator app (TOTP)")
            .Form("/account/passkeys/register", tokens, "Add a passkey", PasskeyEndpoints.FormAttributes("register"),
                FormField.Hidden("ceremonyId", null), FormField.Hidden("credential", null))
            .Form("/account/signout", tokens, "Sign out")
            .Script(PasskeyEndpoints.ScriptPath)
            .Result();
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!await IsGenuineFormAsync(http, antiforgery))
        {
            return Forged();
        }

        await http.SignOutAsync(PersonAuthentication.Scheme);
        return SeeOther(PersonAuthentication.SignInPath);
    }

    /// <summary>303: after a form post the browser follows with a GET.</summary>
    internal static IResult SeeOther(string location) => new SeeOtherResult(location);

    internal static Contracts.Actor ActorOf(People.Member member, HttpContext http) =>
        new(member.TenantId, null, http.Connection.RemoteIpAddress?.ToString(), member.Id);

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            AccountPage.ApplyHeaders(httpContext.Response);
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
