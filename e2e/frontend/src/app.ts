// Code a frontend writes against the generated types: if the schema
// changes under it, tsc says where.
import { DistrictToPartnersDocument, SearchDocument, type DistrictToPartnersQuery, type SearchQueryVariables, type SetFactMutationVariables } from './gql/graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

// The partners of every lab of every company of every park.
export function partners(data: DistrictToPartnersQuery): string[] {
  const district = data.entity;
  if (!district || !('parks' in district)) return [];
  return district.parks.nodes.flatMap((park) =>
    park.companies.nodes.flatMap((company) =>
      company.labs.nodes.flatMap((lab) => lab.partners.nodes.map((p) => `${lab.name}: ${p.name}`))));
}

export const searchVariables: SearchQueryVariables = { query: '数据谷', first: 3 };

export const setFact: SetFactMutationVariables = {
  input: {
    entity: 'transsion-chongqing', property: 'phone_capacity', value: 7000, unit: '万台', period: '2021',
    source: { document: 'yubei-2021', quote: '将形成年产手机 7000 万台以上的产能' },
  },
};

export const documents: TypedDocumentNode<any, any>[] = [DistrictToPartnersDocument, SearchDocument];
