using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Plays a person's browser through Auth's sign-in and consent pages over plain HTTP: it follows the authorization
/// request's redirects with a cookie jar, fills the sign-in form (<c>email</c>, <c>password</c>, and whatever hidden
/// fields it carries, such as the antiforgery token), submits the consent form as served (every field's own name and
/// value, and the approving button), and stops at the redirect to the client's redirect URI, which nothing listens on.
/// The pages are read generically (any form, any field names), so only the contract of decision 0007 is assumed:
/// sign-in at <c>/account/signin</c> with <c>email</c> and <c>password</c>, consent as a form.
/// </summary>
internal sealed class SignInDriver : IDisposable
{
    private const int MaxSteps = 20;
    private static readonly string[] ApproveWords = ["allow", "accept", "approve", "consent", "grant", "authorize", "continue", "yes"];
    private static readonly string[] DenyWords = ["deny", "reject", "cancel", "decline", "no"];
    private readonly HttpClient _http;
    private readonly HtmlParser _parser = new();

    public SignInDriver()
    {
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true });
        _http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
    }

    /// <summary>What the person's browser saw on the way, for assertions and for a readable failure.</summary>
    public List<string> Trail { get; } = [];

    /// <summary>How many sign-in and consent forms were submitted during the last authorization.</summary>
    public int SignInForms { get; private set; }

    public int ConsentForms { get; private set; }

    /// <summary>
    /// Runs one authorization request to the redirect back to the client and returns that redirect's URL (with
    /// <c>code</c>, <c>state</c> and <c>iss</c>, or <c>error</c>).
    /// </summary>
    public async Task<Uri> AuthorizeAsync(Uri authorizationUrl, string email, string password, string redirectUri, CancellationToken ct)
    {
        SignInForms = ConsentForms = 0;
        var next = new HttpRequestMessage(HttpMethod.Get, authorizationUrl);
        for (var step = 0; step < MaxSteps; step++)
        {
            using var request = next;
            using var response = await SendAsync(request, ct);
            var at = request.RequestUri!;
            if (IsRedirect(response.StatusCode))
            {
                var location = new Uri(at, response.Headers.Location!);
                if (location.AbsoluteUri.StartsWith(redirectUri, StringComparison.Ordinal))
                {
                    return location;
                }

                next = new HttpRequestMessage(HttpMethod.Get, location);
                continue;
            }

            var html = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"{(int)response.StatusCode} at {at.AbsolutePath}:\n{Shorten(html)}\n{string.Join('\n', Trail)}");
            }

            var page = await _parser.ParseDocumentAsync(html, ct);
            var form = page.Forms.FirstOrDefault(f => f.Elements.OfType<IHtmlInputElement>().Any(i => i.Type != "hidden"))
                ?? (page.Forms.Length > 0 ? page.Forms[0] : null)
                ?? throw new InvalidOperationException($"No form at {at.AbsolutePath}:\n{Shorten(html)}");
            var isSignIn = form.Elements.OfType<IHtmlInputElement>().Any(i => i.Name == "password");
            var fields = Fields(form);
            if (isSignIn)
            {
                fields.RemoveAll(f => f.Key is "email" or "password");
                fields.Add(new("email", email));
                fields.Add(new("password", password));
                SignInForms++;
            }
            else
            {
                ConsentForms++;
            }

            var action = new Uri(at, form.GetAttribute("action") is { Length: > 0 } target ? target : at.PathAndQuery);
            Trail.Add($"{(isSignIn ? "sign-in" : "consent")} form at {at.AbsolutePath} -> POST {action.AbsolutePath} ({string.Join(", ", fields.Select(f => f.Key))})");
            next = new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) };
        }

        throw new InvalidOperationException($"No redirect to {redirectUri} after {MaxSteps} steps:\n{string.Join('\n', Trail)}");
    }

    /// <summary>Opens an invitation link and chooses <paramref name="password"/>, as the invited person would.</summary>
    public async Task AcceptInvitationAsync(Uri invitationUrl, string password, CancellationToken ct)
    {
        using var page = await SendAsync(new HttpRequestMessage(HttpMethod.Get, invitationUrl), ct);
        var html = await page.Content.ReadAsStringAsync(ct);
        var forms = (await _parser.ParseDocumentAsync(html, ct)).Forms;
        var form = forms.Length > 0 ? forms[0]
            : throw new InvalidOperationException($"No form on the invitation page ({(int)page.StatusCode}):\n{Shorten(html)}");
        var fields = Fields(form);
        fields.RemoveAll(f => f.Key is "password" or "confirmPassword");
        fields.Add(new("password", password));
        fields.Add(new("confirmPassword", password));
        using var accepted = await SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(invitationUrl, form.GetAttribute("action") is { Length: > 0 } action ? action : invitationUrl.PathAndQuery))
        {
            Content = new FormUrlEncodedContent(fields),
        }, ct);
        if (!IsRedirect(accepted.StatusCode))
        {
            throw new InvalidOperationException($"Accepting the invitation answered {(int)accepted.StatusCode}:\n{Shorten(await accepted.Content.ReadAsStringAsync(ct))}");
        }
    }

    /// <summary>
    /// What a browser would submit: named inputs (checkboxes and radios only when checked), selects, text areas, and
    /// the one submit button that approves (by its name, value or text), or the first that does not deny.
    /// </summary>
    private static List<KeyValuePair<string, string>> Fields(IHtmlFormElement form)
    {
        var fields = new List<KeyValuePair<string, string>>();
        var buttons = new List<(string Name, string Value, string Label)>();
        foreach (var element in form.Elements)
        {
            switch (element)
            {
                case IHtmlInputElement input when string.IsNullOrEmpty(input.Name):
                    break;
                case IHtmlInputElement input when input.Type is "submit" or "image":
                    buttons.Add((input.Name!, input.Value, input.Value));
                    break;
                case IHtmlInputElement input when input.Type is "checkbox" or "radio":
                    if (input.IsChecked)
                    {
                        fields.Add(new(input.Name!, string.IsNullOrEmpty(input.GetAttribute("value")) ? "on" : input.Value));
                    }

                    break;
                case IHtmlInputElement input when input.Type is not ("button" or "reset" or "file"):
                    fields.Add(new(input.Name!, input.Value));
                    break;
                case IHtmlButtonElement button when button.Type == "submit":
                    buttons.Add((button.Name ?? "", button.Value, button.TextContent.Trim()));
                    break;
                case IHtmlSelectElement select when !string.IsNullOrEmpty(select.Name):
                    fields.AddRange(select.Options.Where(o => o.IsSelected).Select(o => new KeyValuePair<string, string>(select.Name!, o.Value)));
                    break;
                case IHtmlTextAreaElement text when !string.IsNullOrEmpty(text.Name):
                    fields.Add(new(text.Name!, text.Value));
                    break;
            }
        }

        bool Says((string Name, string Value, string Label) b, string[] words) =>
            words.Any(w => $"{b.Name} {b.Value} {b.Label}".Contains(w, StringComparison.OrdinalIgnoreCase));
        var chosen = buttons.Where(b => Says(b, ApproveWords) && !Says(b, DenyWords)).Concat(buttons.Where(b => !Says(b, DenyWords))).FirstOrDefault();
        if (!string.IsNullOrEmpty(chosen.Name))
        {
            fields.Add(new(chosen.Name, chosen.Value));
        }

        return fields;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await _http.SendAsync(request, ct);
        Trail.Add($"{request.Method} {request.RequestUri!.AbsolutePath} -> {(int)response.StatusCode}{(response.Headers.Location is { } l ? " " + (l.IsAbsoluteUri ? l.GetLeftPart(UriPartial.Path) : l.OriginalString.Split('?')[0]) : "")}");
        return response;
    }

    private static bool IsRedirect(HttpStatusCode status) => (int)status is >= 300 and < 400;

    private static string Shorten(string text) => text.Length > 2000 ? text[..2000] + "…" : text;

    public void Dispose() => _http.Dispose();
}
