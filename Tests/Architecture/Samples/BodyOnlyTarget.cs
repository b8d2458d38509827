namespace Dilemma.Tests.Architecture.Samples.Target;

/// <summary>Used by <c>Samples.Caller</c> only from a method body, for <see cref="NamespaceCycleTests"/>.</summary>
internal sealed class BodyOnlyTarget
{
    public string Name => nameof(BodyOnlyTarget);
}
