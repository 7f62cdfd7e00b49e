using Platform.AppHost;

var builder = DistributedApplication.CreateBuilder(args);
if (!builder.TryAddPlatformFoundation(out var foundation))
{
    return 1;
}

var (secrets, postgres, redis, dataDirectory) = foundation;

var auth = builder.AddProject<Projects.Auth>("auth")
    .AsPlatformService(postgres, secrets)
    .AsPublicService()
    // Sign-in attempts are limited per account and per client IP in Redis, shared by every replica.
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__BootstrapAdminKey", secrets.AdminKey)
    .WithEnvironment("Auth__Peppers__v1", secrets.Pepper)
    .WithEnvironment("Auth__CurrentPepperVersion", "v1")
    .WithAdminKeyCommand(secrets)
    .WithSigningKeyRotationCommand(secrets);

var toolExecution = builder.AddProject<Projects.ToolExecution>("tool-execution")
    .AsPlatformService(postgres, secrets)
    .AsPublicService()
    .WithReference(redis).WaitFor(redis)
    .WithReference(auth).WaitFor(auth);

var audit = builder.AddProject<Projects.Audit>("audit")
    .AsPlatformService(postgres, secrets)
    .WithReference(auth).WaitFor(auth)
    .WithCheckpointSigningKey()
    // Not behind the ingress: a forwarded client address would let a caller choose the IP its allowlist sees.
    .DisableForwardedHeaders()
    .WithAuditChainCommand(secrets);

foreach (var service in new[] { auth, toolExecution, audit })
{
    service.WithServiceUrls(auth, toolExecution, audit);
}

builder.AddStateFile(dataDirectory, printAdminKey: secrets.AdminKeyIsNew);

builder.Build().Run();
return 0;
