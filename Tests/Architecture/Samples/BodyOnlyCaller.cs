namespace Dilemma.Tests.Architecture.Samples.Caller;

/// <summary>Names <c>Samples.Target</c> only inside a method body: no field, signature or base type does.</summary>
internal static class BodyOnlyCaller
{
    public static int TargetNameLength() => new Target.BodyOnlyTarget().Name.Length;
}
