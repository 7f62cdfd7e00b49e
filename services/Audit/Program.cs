using JasperFx;
using Platform.Audit.Apis;
using Platform.Audit.Extensions;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseHttpHygiene();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapAuditApi();
app.MapWebhooksApi();

return await app.RunJasperFxCommands(args);

/// <summary>Entry point; public so integration tests can host the service with WebApplicationFactory.</summary>
public partial class Program;
