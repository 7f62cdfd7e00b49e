using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using Platform.Authentication;
using Platform.ServiceDefaults.Storage;
using Platform.ToolExecution.Calls;
using Platform.ToolExecution.Conformance;
using Platform.ToolExecution.Mcp;
using Platform.ToolExecution.RateLimits;
using Platform.ToolExecution.Tools.BuiltIn;
using Platform.ToolExecution.Upstreams;

namespace Platform.ToolExecution.Extensions;

internal static class Extensions
{
    public const string Schema = "tool_execution";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<McpOptions>(builder.Configuration.GetSection(McpOptions.Section));
        // The resource URI is a token audience: never derive it from a client-controlled Host header when Aspire's
        // contract tells us our own URL.
        builder.Services.PostConfigure<McpOptions>(o => o.ResourceUri ??=
            builder.Configuration["services:tool-execution:http:0"] is { Length: > 0 } self ? self.TrimEnd('/') + McpEndpoint.Path : null);
        var mcp = builder.Configuration.GetSection(McpOptions.Section).Get<McpOptions>() ?? new McpOptions();

        builder.AddPlatformAuthentication(o =>
        {
            o.ResourceMetadataUrl = http => McpEndpoint.MetadataUrl(http, http.RequestServices.GetRequiredService<IOptions<McpOptions>>().Value);
            o.TokenAudience = http => McpEndpoint.ResourceUri(http, http.RequestServices.GetRequiredService<IOptions<McpOptions>>().Value);
        });
        builder.AddRemoteCredentialVerification();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<ToolCallMetrics>();
        builder.Services.AddSingleton<ToolCallJournal>();
        builder.Services.AddSingleton<ToolCallRecorder>();
        builder.AddToolCallRateLimits();

        builder.Services.AddMcpServer(server => server.ServerInfo = new() { Name = "platform", Version = "1.0.0" })
            // Stateful serves sessions to clients that use the initialize handshake (2025-06-18, 2025-11-25) and still
            // serves 2026-07-28, which has no sessions, per request: every supported version works in both modes.
            .WithHttpTransport(http => http.SessionMode = mcp.Stateful ? HttpServerSessionMode.StatefulForInitializeClients : HttpServerSessionMode.Stateless)
            .WithTools<EchoTool>()
            .WithBuiltInTools(builder.Configuration)
            .WithUpstreams()
            .WithConformanceFixtures(builder.Configuration)
            .WithRequestFilters(filters =>
            {
                filters.AddListToolsFilter(ToolAccessFilters.ListTools);
                filters.AddCallToolFilter(ToolAccessFilters.CallTool);
            });

        // Rich appends: every call starts a new stream, so Marten can write its stream row and events as plain inserts
        // in the commit's statement batch. The default quick append runs a PL/pgSQL function per stream, which cost
        // PostgreSQL about a sixth more CPU per call under the echo benchmark (docs/decisions/0003-call-recording-in-one-transaction.md).
        builder.AddCritterStack(Schema, marten => marten.Events.AppendMode = JasperFx.Events.EventAppendMode.Rich, wolverine => wolverine.PublishIntegrationEventsToAudit(), autoPrepareStatements: true);
        // Registered after Wolverine so it stops first (hosts stop in reverse order): its last commit still gets
        // its outbox messages sent. The web server stops before both, so no request is left waiting on it.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ToolCallJournal>());
        builder.Services.AddSingleton<EventStoreSetup>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventStoreSetup>());
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            EventStoreSetup.HealthCheckName, sp => sp.GetRequiredService<EventStoreSetup>(), HealthStatus.Unhealthy, [ServiceDefaults.Extensions.ReadinessTag]));
    }
}
