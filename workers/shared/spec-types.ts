/** The normalised project spec (SPEC §2). */
export interface EnvironmentSpec {
  vars: Record<string, string>;
}

export interface ProjectSpec {
  apiVersion: string;
  kind: string;
  name: string;
  runtime: string;
  capabilities?: string[];
  environments: Record<string, EnvironmentSpec>;
  networkPolicies: { ingress: string; egress: string };
}
