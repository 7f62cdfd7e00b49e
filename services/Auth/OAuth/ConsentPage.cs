using System.Net;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;

namespace Platform.Auth.OAuth;

/// <summary>
/// The consent page and the authorization error page: server-rendered, no script, no third-party asset, never framed,
/// never cached. Every value shown is HTML-encoded.
/// </summary>
internal static class ConsentPage
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";


    public sealed record Model(
        string ClientName, string ClientId, string RedirectHost, string? RedirectUri, bool Verified, string Email, string Tenant,
        IReadOnlyList<string> New, IReadOnlyList<string> Already, IReadOnlyList<string> Unavailable,
        string Ticket, AntiforgeryTokenSet Antiforgery);

    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["tools:list"] = "see the tools you may use",
        ["tools:call"] = "call tools on your behalf",
        ["audit:read"] = "read your tenant's audit trail",
        ["admin"] = "administer your tenant (keys, members, grants)",
        ["offline_access"] = "stay connected when you are away (refresh tokens)",
    };

    public static IResult Render(HttpContext http, Model model)
    {
        static string e(string? value) => WebUtility.HtmlEncode(value) ?? "";
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Allow access?</title>")
            .Append("<link rel=\"stylesheet\" href=\"").Append(Account.AccountPage.StylesheetPath).Append("\"></head><body><main>")
            .Append("<h1>").Append(e(model.ClientName)).Append(" wants to use Platform as you</h1>")
            .Append("<p>Signed in as <strong>").Append(e(model.Email)).Append("</strong> in tenant <strong>").Append(e(model.Tenant)).Append("</strong>.</p>")
            .Append("<p>Client <code>").Append(e(model.ClientId)).Append("</code>, sending you back to <strong>").Append(e(model.RedirectHost)).Append("</strong>. ")
            .Append(model.Verified ? "Its metadata was verified at its client ID URL." : "Its metadata was not verified: it registered itself.").Append("</p>");
        if (IsLoopback(model.RedirectHost) && !IsLoopback(HostOf(model.ClientId)))
        {
            html.Append("<p class=\"error\" role=\"alert\">This client sends you back to a program on this computer (").Append(e(model.RedirectHost))
                .Append("). Continue only if you started it.</p>");
        }

        html.Append("<form method=\"post\" action=\"").Append(OAuthServer.ConsentPath).Append("\">")
            .Append("<input type=\"hidden\" name=\"").Append(e(model.Antiforgery.FormFieldName)).Append("\" value=\"").Append(e(model.Antiforgery.RequestToken)).Append("\">")
            .Append("<input type=\"hidden\" name=\"ticket\" value=\"").Append(e(model.Ticket)).Append("\">");
        if (model.New.Count > 0)
        {
            html.Append("<p>").Append(model.Already.Count > 0 ? "It now also asks to:" : "It asks to:").Append("</p><ul>");
            foreach (var scope in model.New)
            {
                html.Append("<li><label><input type=\"checkbox\" name=\"scope\" value=\"").Append(e(scope)).Append("\" checked> ")
                    .Append(e(Descriptions.GetValueOrDefault(scope, scope))).Append(" (<code>").Append(e(scope)).Append("</code>)</label></li>");
            }

            html.Append("</ul>");
        }

        if (model.Already.Count > 0)
        {
            html.Append("<p>You already allowed: ").Append(e(string.Join(", ", model.Already))).Append(".</p>");
        }

        if (model.Unavailable.Count > 0)
        {
            html.Append("<p>Not available to you, so not granted: ").Append(e(string.Join(", ", model.Unavailable))).Append(".</p>");
        }

        html.Append("<button type=\"submit\" name=\"decision\" value=\"accept\">Allow</button>")
            .Append("<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>")
            .Append("<p>You can revoke this later from your account's grants.</p></main></body></html>");
        // Allowing (or denying) redirects the browser to the client: form-action must let the post's redirects end there.
        return Html(http, html.ToString(), StatusCodes.Status200OK,
            Account.AccountPage.PolicyContinuingTo(Account.AccountPage.FormActionSourceOf(model.RedirectUri)));
    }

    public static IResult Error(HttpContext http, string message) => Html(http, ErrorHtml(message), StatusCodes.Status400BadRequest);

    /// <summary>For an error OpenIddict answers itself, when the client or its redirect URI is not valid.</summary>
    public static async Task WriteErrorAsync(HttpResponse response, string message)
    {
        response.StatusCode = StatusCodes.Status400BadRequest;
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "text/html; charset=utf-8";
        await response.WriteAsync(ErrorHtml(message));
    }

    private static string ErrorHtml(string message) =>
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorization failed</title>" +
        $"<link rel=\"stylesheet\" href=\"{Account.AccountPage.StylesheetPath}\"></head><body><main><h1>Authorization failed</h1><p>" +
        WebUtility.HtmlEncode(message) + "</p><p>Nothing was sent to the application. Start again from it.</p></main></body></html>";

    private static IResult Html(HttpContext http, string html, int status, string contentSecurityPolicy = ContentSecurityPolicy)
    {
        http.Response.Headers.ContentSecurityPolicy = contentSecurityPolicy;
        http.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static string HostOf(string clientId) =>
        Uri.TryCreate(clientId, UriKind.Absolute, out var uri) ? uri.Host : "";

    private static bool IsLoopback(string host)
    {
        var name = host.Split(':')[0].Trim('[', ']');
        if (host.StartsWith('['))
        {
            name = host[1..host.IndexOf(']', StringComparison.Ordinal)];
        }

        return name is "localhost" or "127.0.0.1" or "::1";
    }
}
