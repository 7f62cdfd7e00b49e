using Platform.AppHost;
using Platform.Provisioning;

var builder = DistributedApplication.CreateBuilder(args);
var datastores = DatastoreOptions.From(builder.Configuration, Path.Combine(builder.AppHostDirectory, "..", ".apphost"));

var secrets = builder.AddPlatformSecrets(datastores.DataDirectory);
var postgres = builder.AddPlatformPostgres(datastores);
var redis = builder.AddPlatformRedis(datastores, Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..")));

var auth = builder.AddProject<Projects.Auth>("auth")
    .AsPlatformService(postgres, secrets)
    .AsPublicService()
    .WithEnvironment("Auth__BootstrapAdminKey", secrets.AdminKey)
    .WithEnvironment("Auth__Peppers__v1", secrets.Pepper)
    .WithEnvironment("Auth__CurrentPepperVersion", "v1")
    .WithAdminKeyCommand(secrets);

var toolExecution = builder.AddProject<Projects.ToolExecution>("tool-execution")
    .AsPlatformService(postgres, secrets)
    .AsPublicService()
    .WithReference(redis).WaitFor(redis)
    .WithReference(auth).WaitFor(auth);

var audit = builder.AddProject<Projects.Audit>("audit")
    .AsPlatformService(postgres, secrets)
    .WithReference(auth).WaitFor(auth)
    .WithCheckpointSigningKey()
    .WithAuditChainCommand(secrets);

foreach (var service in new[] { auth, toolExecution, audit })
{
    service.WithServiceUrls(auth, toolExecution, audit);
}

builder.AddStateFile(datastores.DataDirectory);

builder.Build().Run();
