[assembly: AssemblyFixture(typeof(Platform.Testing.PlatformInfrastructure))]
