using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace Platform.Auth.Account;

/// <summary>
/// The shared layout of Auth's server-rendered pages (sign-in, invitations, TOTP, and the OAuth consent page): one
/// stylesheet of our own, no script, no third-party asset, every value HTML-encoded. Build a page with the methods
/// below and return <see cref="Result"/>; it sets the headers every such page needs.
/// </summary>
public sealed class AccountPage
{
    /// <summary>
    /// <c>form-action 'self'</c>, widened by <see cref="ContinuesTo"/> where a form's redirects end at an OAuth client:
    /// browsers apply <c>form-action</c> to every redirect after a form post, not only to the post itself.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>What a page that runs one of Auth's own scripts (passkeys) adds: scripts and fetches from Auth only.</summary>
    public const string ScriptPolicy = "; script-src 'self'; connect-src 'self'";

    public const string StylesheetPath = "/account/account.css";

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;
    private readonly string _title;
    private readonly StringBuilder _body = new();
    private readonly List<string> _scripts = [];
    private string? _continuesTo;

    public AccountPage(string title) => _title = title;

    public static string Encode(string? value) => Html.Encode(value ?? "");

    public AccountPage Heading(string text) => Append($"<h1>{Encode(text)}</h1>");

    public AccountPage Paragraph(string text) => Append($"<p>{Encode(text)}</p>");

    /// <summary>A message the person must read, announced by screen readers.</summary>
    public AccountPage Error(string text) => Append($"<p class=\"error\" role=\"alert\">{Encode(text)}</p>");

    public AccountPage Notice(string text) => Append($"<p class=\"notice\" role=\"status\">{Encode(text)}</p>");

    /// <summary>Text to copy exactly (a TOTP secret, an <c>otpauth:</c> URI).</summary>
    public AccountPage Code(string label, string text) => Append($"<p>{Encode(label)}</p><pre><code>{Encode(text)}</code></pre>");

    public AccountPage Link(string href, string text) => Append($"<p><a href=\"{Encode(href)}\">{Encode(text)}</a></p>");

    /// <summary>A POST form to <paramref name="action"/> with the antiforgery token of <paramref name="tokens"/>.</summary>
    public AccountPage Form(string action, AntiforgeryTokenSet tokens, string submitLabel, params IEnumerable<FormField> fields) =>
        Form(action, tokens, submitLabel, new Dictionary<string, string>(), fields);

    /// <summary>A form with extra attributes on the form element (<c>data-*</c> for a script).</summary>
    public AccountPage Form(string action, AntiforgeryTokenSet tokens, string submitLabel, IReadOnlyDictionary<string, string> attributes, params IEnumerable<FormField> fields)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(attributes);
        var extra = string.Concat(attributes.Select(a => $" {Encode(a.Key)}=\"{Encode(a.Value)}\""));
        _body.Append($"<form method=\"post\" action=\"{Encode(action)}\"{extra}>");
        _body.Append($"<input type=\"hidden\" name=\"{Encode(tokens.FormFieldName)}\" value=\"{Encode(tokens.RequestToken)}\">");
        foreach (var field in fields)
        {
            field.WriteTo(_body);
        }

        _body.Append($"<button type=\"submit\">{Encode(submitLabel)}</button></form>");
        return this;
    }

    /// <summary>Runs one of Auth's own scripts (never inline); the page's policy then allows <see cref="ScriptPolicy"/>.</summary>
    public AccountPage Script(string src)
    {
        _scripts.Add(src);
        return this;
    }

    /// <summary>The page with <paramref name="statusCode"/>, <see cref="ContentSecurityPolicy"/>, <c>X-Frame-Options: DENY</c> and <c>Cache-Control: no-store</c>.</summary>
    /// <summary>The page's forms may end, after redirects, at this OAuth redirect URI (sign-in and consent pages).</summary>
    public AccountPage ContinuesTo(string? redirectUri)
    {
        _continuesTo = FormActionSourceOf(redirectUri);
        return this;
    }

    public IResult Result(int statusCode = StatusCodes.Status200OK) =>
        new PageResult(Render(), statusCode, PolicyContinuingTo(_continuesTo) + (_scripts.Count > 0 ? ScriptPolicy : ""));

    /// <summary><see cref="ContentSecurityPolicy"/> with <paramref name="formActionSource"/> added to <c>form-action</c>.</summary>
    public static string PolicyContinuingTo(string? formActionSource) => formActionSource is null
        ? ContentSecurityPolicy
        : ContentSecurityPolicy.Replace("form-action 'self'", $"form-action 'self' {formActionSource}", StringComparison.Ordinal);

    /// <summary>
    /// The CSP source for a redirect URI: its origin for http(s), its scheme for a native app's private-use scheme
    /// (<c>cursor:</c>). Null for anything that does not parse as an absolute URI, so nothing unparsed reaches the header.
    /// </summary>
    public static string? FormActionSourceOf(string? redirectUri) =>
        Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri)
            ? uri.Scheme is "http" or "https" ? uri.GetLeftPart(UriPartial.Authority) : uri.Scheme + ":"
            : null;

    public string Render() =>
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<meta name=\"referrer\" content=\"no-referrer\">"
        + $"<title>{Encode(_title)} · Platform</title><link rel=\"stylesheet\" href=\"{StylesheetPath}\"></head>"
        + $"<body><main>{_body}</main>{string.Concat(_scripts.Select(src => $"<script src=\"{Encode(src)}\" defer></script>"))}</body></html>";

    public static void ApplyHeaders(HttpResponse response, string contentSecurityPolicy = ContentSecurityPolicy)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ContentSecurityPolicy = contentSecurityPolicy;
        response.Headers.XFrameOptions = "DENY";
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private AccountPage Append(string html)
    {
        _body.Append(html);
        return this;
    }

    private sealed class PageResult(string html, int statusCode, string contentSecurityPolicy) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ApplyHeaders(httpContext.Response, contentSecurityPolicy);
            httpContext.Response.StatusCode = statusCode;
            httpContext.Response.ContentType = "text/html; charset=utf-8";
            return httpContext.Response.WriteAsync(html, Encoding.UTF8);
        }
    }

    /// <summary>The stylesheet every page links to (served by Auth itself: <c>style-src 'self'</c>).</summary>
    public const string Stylesheet = """
        :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
        body { margin: 0; display: flex; justify-content: center; }
        main { max-width: 28rem; width: 100%; padding: 2rem 1rem; }
        h1 { font-size: 1.5rem; }
        form { display: grid; gap: 0.75rem; margin: 1rem 0; }
        label { display: grid; gap: 0.25rem; font-weight: 600; }
        input { font: inherit; padding: 0.5rem; }
        button { font: inherit; padding: 0.5rem 1rem; cursor: pointer; }
        .error { color: #b00020; font-weight: 600; }
        .notice { color: #0b6b2b; }
        pre { white-space: pre-wrap; word-break: break-all; padding: 0.5rem; border: 1px solid #8884; }
        .hint { font-weight: 400; font-size: 0.875rem; }
        """;
}

/// <summary>One input of an <see cref="AccountPage"/> form. A password field never gets a value.</summary>
public sealed record FormField(string Name, string Label, string Type = "text", string? Value = null, string? Autocomplete = null,
    bool Required = true, int? MaxLength = null, string? Hint = null, string? InputMode = null)
{
    public static FormField Hidden(string name, string? value) => new(name, "", "hidden", value, Required: false);

    internal void WriteTo(StringBuilder html)
    {
        var value = Type == "password" || Value is null ? "" : $" value=\"{AccountPage.Encode(Value)}\"";
        var attributes = value
            + (Autocomplete is null ? "" : $" autocomplete=\"{AccountPage.Encode(Autocomplete)}\"")
            + (Required ? " required" : "")
            + (MaxLength is { } max ? $" maxlength=\"{max}\"" : "")
            + (InputMode is null ? "" : $" inputmode=\"{AccountPage.Encode(InputMode)}\"");
        var input = $"<input type=\"{AccountPage.Encode(Type)}\" name=\"{AccountPage.Encode(Name)}\"{attributes}>";
        if (Type == "hidden")
        {
            html.Append(input);
            return;
        }

        var hint = Hint is null ? "" : $"<span class=\"hint\">{AccountPage.Encode(Hint)}</span>";
        html.Append($"<label>{AccountPage.Encode(Label)}{hint}{input}</label>");
    }
}
