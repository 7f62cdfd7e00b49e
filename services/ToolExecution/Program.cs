using JasperFx;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Http;
using Platform.ToolExecution.Extensions;
using Platform.ToolExecution.Mcp;
using Platform.ToolExecution.RateLimits;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseHttpHygiene();
app.UseAuthenticationFailureLimit();
app.UseAuthentication();
app.UseAuthorization();
app.UseMcpRequestGate();

app.MapDefaultEndpoints();
app.MapProtectedResourceMetadata();
app.MapMcpEndpoint();

return await app.RunJasperFxCommands(args);

/// <summary>Entry point; public so integration tests can host the service with WebApplicationFactory.</summary>
public partial class Program;
