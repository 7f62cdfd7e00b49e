using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.Protocol;
using Npgsql;
using Platform.Auth.OAuth;
using Platform.Authentication;
using Platform.Testing;

namespace Platform.ToolExecution.Tests;

/// <summary>
/// Access tokens as the authorization server issues them to people and machines (docs/decisions/0007): made here with
/// Auth's own signing key, so they are validated against Auth's real JWKS, and revoked through the real PostgreSQL
/// NOTIFY path (<see cref="CredentialChanges"/>) that Auth announces grant revocations and member removals on.
/// </summary>
public sealed class PersonTokenTests(McpApp app) : IClassFixture<McpApp>
{
    private const string Resource = "http://localhost/mcp";
    private const string ListTools = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";
    private const string CallEcho = """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}""";

    private static string NewPersonId() => "p_" + Guid.NewGuid().ToString("N")[..26];

    private static string NewGrantId() => Guid.NewGuid().ToString("N");

    /// <summary>A token with the contract's claims; <paramref name="change"/> edits them before signing.</summary>
    private async Task<string> TokenAsync(Action<Dictionary<string, object>>? change = null, string audience = Resource, string type = "at+jwt")
    {
        var claims = new Dictionary<string, object>
        {
            [PlatformClaims.Subject] = NewPersonId(),
            [PlatformClaims.SubjectKind] = PlatformClaims.SubjectKinds.Person,
            [PlatformClaims.Tenant] = "acme",
            [PlatformClaims.Scope] = "tools:list tools:call",
            [PlatformClaims.ClientId] = "https://client.example/metadata.json",
            [PlatformClaims.GrantId] = NewGrantId(),
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        change?.Invoke(claims);
        var signing = (await app.Auth.Services.GetRequiredService<SigningKeyRing>().KeysAsync(TestContext.Current.CancellationToken))[0].Security;
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = McpApp.Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = claims,
            SigningCredentials = new SigningCredentials(signing, SecurityAlgorithms.EcdsaSha256),
            TokenType = type,
        });
    }

    private static string Claim(string token, string name) => new JsonWebToken(token).GetPayloadValue<string>(name);

    private async Task<HttpResponseMessage> PostAsync(string token, string body)
    {
        using var http = app.RawClient(token);
        return await http.PostAsync("/mcp", new StringContent(body, Encoding.UTF8, "application/json"));
    }

    private async Task<HttpStatusCode> ListAsync(string token) => (await PostAsync(token, ListTools)).StatusCode;

    [Fact]
    public async Task Person_token_lists_and_calls_tools_through_the_csharp_mcp_client()
    {
        var token = await TokenAsync();
        await using var client = await app.ClientAsync(token);

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "as a person" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains(tools, t => t.Name == "echo");
        Assert.Equal("as a person", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task A_persons_call_is_recorded_with_the_person_and_the_client()
    {
        var clientId = "client-" + Guid.NewGuid().ToString("N");
        var token = await TokenAsync(c => c[PlatformClaims.ClientId] = clientId);
        var person = Claim(token, PlatformClaims.Subject);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(token, CallEcho)).StatusCode);

        // The call's own stream, and the integration event Audit receives (the outbox row), both name them.
        var started = await TextAsync($"select data::text from tool_execution.mt_events where data::text like '%{clientId}%'");
        Assert.Contains(person, started, StringComparison.Ordinal);
        var published = await Poll.ValueAsync(
            () => CountAsync($"select count(*) from wolverine_queues.wolverine_queue_audit where position(convert_to('{clientId}', 'UTF8') in body) > 0 and position(convert_to('{person}', 'UTF8') in body) > 0"),
            count => count > 0, TimeSpan.FromSeconds(30));
        Assert.Equal(1, published);
    }

    [Fact]
    public async Task Key_tokens_with_sub_kind_and_client_id_and_without_them_are_accepted()
    {
        var key = await app.KeyAsync(["tools:list"]);
        var keyId = key.Split('_')[2];
        var withKind = await TokenAsync(c =>
        {
            c[PlatformClaims.Subject] = keyId;
            c[PlatformClaims.SubjectKind] = PlatformClaims.SubjectKinds.Key;
            c[PlatformClaims.ClientId] = keyId;
            c.Remove(PlatformClaims.GrantId);
        });
        var legacy = await TokenAsync(c =>
        {
            c[PlatformClaims.Subject] = keyId;
            c.Remove(PlatformClaims.SubjectKind);
            c.Remove(PlatformClaims.ClientId);
            c.Remove(PlatformClaims.GrantId);
        });

        Assert.Equal(HttpStatusCode.OK, await ListAsync(withKind));
        Assert.Equal(HttpStatusCode.OK, await ListAsync(legacy));
        Assert.Equal(HttpStatusCode.OK, await ListAsync(await app.TokenAsync(key)));
    }

    [Fact]
    public async Task Token_for_another_audience_is_refused_with_401()
    {
        var token = await TokenAsync(audience: "http://other.test/mcp");

        var response = await PostAsync(token, ListTools);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_person_tokens_are_refused()
    {
        var withoutClient = await TokenAsync(c => c.Remove(PlatformClaims.ClientId));
        var unknownKind = await TokenAsync(c => c[PlatformClaims.SubjectKind] = "robot");
        var notAnAccessToken = await TokenAsync(type: "JWT");
        var withoutSubject = await TokenAsync(c => c.Remove(PlatformClaims.Subject));

        Assert.Equal(HttpStatusCode.Unauthorized, await ListAsync(withoutClient));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListAsync(unknownKind));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListAsync(notAnAccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListAsync(withoutSubject));
    }

    [Fact]
    public async Task Revoked_grant_is_refused_within_one_second_and_the_persons_other_grants_still_work()
    {
        var person = NewPersonId();
        var revoked = await TokenAsync(c => c[PlatformClaims.Subject] = person);
        var otherGrant = await TokenAsync(c => c[PlatformClaims.Subject] = person);
        Assert.Equal(HttpStatusCode.OK, await ListAsync(revoked));

        var refusedAfter = await AnnounceAndWaitForRefusalAsync(Claim(revoked, PlatformClaims.GrantId), revoked);

        Assert.True(refusedAfter < TimeSpan.FromSeconds(1), $"refused after {refusedAfter.TotalMilliseconds:0} ms");
        Assert.Equal(HttpStatusCode.OK, await ListAsync(otherGrant));
    }

    [Fact]
    public async Task Removed_person_is_refused_within_one_second_on_every_grant()
    {
        var person = NewPersonId();
        var first = await TokenAsync(c => c[PlatformClaims.Subject] = person);
        var second = await TokenAsync(c => c[PlatformClaims.Subject] = person);
        var someoneElse = await TokenAsync();
        Assert.Equal(HttpStatusCode.OK, await ListAsync(second));

        var refusedAfter = await AnnounceAndWaitForRefusalAsync(person, first);

        Assert.True(refusedAfter < TimeSpan.FromSeconds(1), $"refused after {refusedAfter.TotalMilliseconds:0} ms");
        Assert.Equal(HttpStatusCode.Unauthorized, await ListAsync(second));
        Assert.Equal(HttpStatusCode.OK, await ListAsync(someoneElse));
    }

    [Fact]
    public async Task Step_up_403_names_the_missing_scope_and_those_the_person_holds()
    {
        var token = await TokenAsync(c => c[PlatformClaims.Scope] = "tools:list");

        var response = await PostAsync(token, CallEcho);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(
            "Bearer error=\"insufficient_scope\", scope=\"tools:call tools:list\", resource_metadata=\"http://localhost/.well-known/oauth-protected-resource\"",
            response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_persons_rate_limit_is_one_budget_across_their_oauth_clients()
    {
        var person = NewPersonId();
        var limits = System.Text.Json.JsonSerializer.SerializeToElement(
            new Platform.Contracts.Auth.PlanLimits("tiny", 2, 1000, 1000, 10, 7), AccessTokenClaims.Json);
        var tenant = "t" + Guid.NewGuid().ToString("N")[..10];
        string[] clients = ["client-a", "client-b", "client-a"];
        var tokens = new List<string>();
        foreach (var client in clients)
        {
            tokens.Add(await TokenAsync(c =>
            {
                c[PlatformClaims.Subject] = person;
                c[PlatformClaims.Tenant] = tenant;
                c[PlatformClaims.ClientId] = client;
                c[AccessTokenClaims.Limits] = limits;
            }));
        }

        var someoneElse = await TokenAsync(c =>
        {
            c[PlatformClaims.Tenant] = tenant;
            c[AccessTokenClaims.Limits] = limits;
        });

        var statuses = new List<HttpStatusCode>();
        foreach (var token in tokens)
        {
            statuses.Add((await PostAsync(token, CallEcho)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(someoneElse, CallEcho)).StatusCode);
    }

    /// <summary>Announces <c>revoked:&lt;id&gt;</c> as Auth does and measures until <paramref name="token"/> gets 401.</summary>
    private async Task<TimeSpan> AnnounceAndWaitForRefusalAsync(string subjectId, string token)
    {
        await using var database = NpgsqlDataSource.Create(app.Database);
        var clock = Stopwatch.StartNew();
        await CredentialChanges.NotifyRevokedAsync(database, subjectId);
        while (await ListAsync(token) == HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "the token still works 5 s after its revocation was announced");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return clock.Elapsed;
    }

    private async Task<long> CountAsync(string sql) => (long)(await ScalarAsync(sql))!;

    private async Task<string?> TextAsync(string sql) => (string?)await ScalarAsync(sql);

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(app.Database);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(sql, connection);
        return await query.ExecuteScalarAsync();
    }
}
