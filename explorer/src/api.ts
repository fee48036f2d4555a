// The one way the explorer talks to tupu: POST /graphql with a named
// operation from a .graphql file. The whole document is sent, which both
// open servers and servers that run trusted documents only accept (the
// build puts every operation in the manifest that ships with the app).

// Op is an operation as the build makes it from a .graphql file.
export interface Op {
  name: string;
  document: string;
  hash: string;
}

// Language is the API's Language enum; every label is asked for in it.
export type Language = "ZH" | "EN";

export type Kind = string;

export interface DocumentRef {
  key: string;
  title?: string;
}

export interface Source {
  quote: string;
  document: DocumentRef;
}

export interface EntityRef {
  key: string;
  kind: Kind;
  name: string;
  label: string;
}

export interface KindInfo {
  kind: Kind;
  label: string;
}

export interface PredicateInfo {
  predicate: string;
  label: string;
  description?: string;
}

// ApiError is an error the service answered with; code is its
// extensions.code.
export class ApiError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

interface Response<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function request<T>(op: Op, variables: Record<string, unknown>): Promise<T> {
  let res: globalThis.Response;
  try {
    res = await fetch("/graphql", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
      },
      body: JSON.stringify({ query: op.document, operationName: op.name, variables }),
    });
  } catch {
    throw new ApiError("the service could not be reached", "UNAVAILABLE");
  }
  let body: Response<T>;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`the service answered ${res.status} without GraphQL`, "INTERNAL");
  }
  if (body.errors && body.errors.length > 0) {
    const e = body.errors[0];
    throw new ApiError(e.message, e.extensions?.code ?? "INTERNAL");
  }
  if (!body.data) {
    throw new ApiError("the answer has no data", "INTERNAL");
  }
  return body.data;
}

// kindLabels maps each kind to its label from a kinds list.
export function kindLabels(kinds: KindInfo[]): Map<Kind, string> {
  return new Map(kinds.map((k) => [k.kind, k.label]));
}

export function predicateLabels(preds: PredicateInfo[]): Map<string, PredicateInfo> {
  return new Map(preds.map((p) => [p.predicate, p]));
}
