[assembly: AssemblyFixture(typeof(Platform.Testing.PlatformInfrastructure))]

// Each whole-platform run is three services on two cores; side by side they would starve each other's startup.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
