import React from 'react';
import { useQuery } from '@tanstack/react-query';

/** The app's issues from its own backend, through auth.fetch (TanStack Query's queryFn). */
export function Issues({ auth, api }) {
  const { data, error } = useQuery({
    queryKey: ['issues'],
    queryFn: async ({ signal }) => {
      const response = await auth.fetch(`${api}/issues`, { signal });
      if (!response.ok) throw new Error(`GET /issues: ${response.status}`);
      return response.json();
    },
  });
  if (error) return <p>{error.message}</p>;
  return <ul>{data?.map((issue) => <li key={issue.key}>{issue.key}</li>)}</ul>;
}
