using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Auth.Account;
using Platform.Auth.People;

namespace Platform.Auth.Tests.People;

/// <summary>A browser on Auth's account pages: keeps cookies, does not follow redirects, fills in forms with their antiforgery token.</summary>
public sealed partial class PersonBrowser : IDisposable
{
    private readonly AuthApp _app;

    public PersonBrowser(AuthApp app, string? clientIp = null)
    {
        _app = app;
        Client = app.Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        if (clientIp is not null)
        {
            Client.DefaultRequestHeaders.Add(PeopleTestServices.ClientIpHeader, clientIp);
        }
    }

    public HttpClient Client { get; }

    /// <summary>The session cookie of the last response that set one.</summary>
    public string? SessionCookie { get; private set; }

    public async Task<Page> GetAsync(string url)
    {
        var response = await Client.GetAsync(url);
        return new Page(response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Posts <paramref name="fields"/> to <paramref name="url"/> with the antiforgery token found on <paramref name="form"/>.</summary>
    public async Task<HttpResponseMessage> PostAsync(Page form, string url, params (string Name, string Value)[] fields)
    {
        var values = fields.ToList();
        if (form.Field("__antiforgery") is { } token)
        {
            values.Add(("__antiforgery", token));
        }

        var response = await Client.PostAsync(url, new FormUrlEncodedContent(values.Select(v => KeyValuePair.Create(v.Name, v.Value))));
        foreach (var cookie in response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [])
        {
            if (cookie.StartsWith(PersonAuthentication.CookieName + "=", StringComparison.Ordinal) && !cookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
            {
                SessionCookie = cookie[(PersonAuthentication.CookieName.Length + 1)..cookie.IndexOf(';', StringComparison.Ordinal)];
            }
        }

        return response;
    }

    public async Task<HttpResponseMessage> AcceptInvitationAsync(string url, string password)
    {
        var path = new Uri(url).AbsolutePath;
        var form = await GetAsync(path);
        Assert.True(form.Response.StatusCode == HttpStatusCode.OK,
            $"{form.Response.StatusCode}: {string.Join(Environment.NewLine, _app.Logs.Raw.Where(l => l.Contains("Exception", StringComparison.Ordinal)).TakeLast(3))}");
        return await PostAsync(form, path, ("password", password), ("confirmPassword", password));
    }

    public async Task<HttpResponseMessage> SignInAsync(string email, string password, string? returnUrl = null)
    {
        var form = await GetAsync(PersonAuthentication.SignInPath + (returnUrl is null ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        return await PostAsync(form, PersonAuthentication.SignInPath, ("email", email), ("password", password), ("returnUrl", form.Field("returnUrl") ?? ""));
    }

    /// <summary>The claims of the session cookie, read the way the cookie handler reads it.</summary>
    public ClaimsPrincipal SessionPrincipal()
    {
        Assert.NotNull(SessionCookie);
        var options = _app.Host.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(PersonAuthentication.Scheme);
        var ticket = options.TicketDataFormat.Unprotect(Uri.UnescapeDataString(SessionCookie));
        Assert.NotNull(ticket);
        return ticket.Principal;
    }

    public void Dispose() => Client.Dispose();

    public sealed partial record Page(HttpResponseMessage Response, string Html)
    {
        public string? Field(string name) =>
            InputPattern().Matches(Html).Where(m => WebUtility.HtmlDecode(m.Groups["name"].Value) == name)
                .Select(m => WebUtility.HtmlDecode(m.Groups["value"].Value)).FirstOrDefault();

        [GeneratedRegex("<input type=\"[a-z]+\" name=\"(?<name>[^\"]*)\" value=\"(?<value>[^\"]*)\"")]
        private static partial Regex InputPattern();
    }
}

/// <summary>Admin-side helpers for people tests.</summary>
public static class PeopleAdmin
{
    public const string Password = "correct horse battery staple";

    public static string NewEmail() => $"person-{Guid.NewGuid():N}@example.test";

    public static async Task<InvitationResponse> InviteAsync(this AuthApp app, string tenantId, string email, params string[] roles)
    {
        var response = await app.Admin.PostAsJsonAsync($"/admin/tenants/{tenantId}/invitations",
            new InviteMemberRequest(email, "Ada Lovelace", roles.Length == 0 ? ["write"] : roles));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<InvitationResponse>())!;
    }

    /// <summary>A tenant with one member who accepted the invitation; the browser that accepted it is signed in.</summary>
    public static async Task<(string TenantId, string Email, InvitationResponse Invitation)> MemberAsync(this AuthApp app, params string[] roles)
    {
        var tenant = await app.CreateTenantAsync();
        var email = NewEmail();
        var invitation = await app.InviteAsync(tenant.Id, email, roles);
        using var browser = new PersonBrowser(app);
        var accepted = await browser.AcceptInvitationAsync(invitation.Url, Password);
        Assert.Equal(HttpStatusCode.SeeOther, accepted.StatusCode);
        return (tenant.Id, email, invitation);
    }

    /// <summary>The bodies of the audit-bound integration events of one type that mention <paramref name="mentioning"/>.</summary>
    public static async Task<IReadOnlyList<string>> QueuedAuditEventsAsync(this AuthApp app, string messageType, string mentioning)
    {
        await using var connection = new NpgsqlConnection(app.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select body from wolverine_queues.wolverine_queue_audit where message_type like $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = messageType });
        var bodies = new List<string>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var body = System.Text.Encoding.UTF8.GetString((byte[])reader[0]);
                if (body.Contains(mentioning, StringComparison.Ordinal))
                {
                    bodies.Add(body);
                }
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
        }

        return bodies;
    }

    /// <summary>Every audit-bound event body, to check that no secret is in any.</summary>
    public static Task<IReadOnlyList<string>> AllQueuedAuditEventsAsync(this AuthApp app) => app.QueuedAuditEventsAsync("%", "");
}
