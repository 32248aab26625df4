# Part of Meshlens' PromQL differential test data; see README.md in this directory.
import os
HERE = os.path.dirname(os.path.abspath(__file__))
import json, urllib.request, urllib.parse
T0=1700000000
qs=[l.rstrip('\n') for l in open(os.path.join(HERE, 'queries.txt')) if l.strip()]
instants=[T0+1800, T0+1800.123, T0+900, T0+3595+150, T0+3595+301, T0+37]
ranges=[(T0+600, T0+3000, 60), (T0+1000, T0+2200, 37), (T0+1234.5, T0+2000, 15), (T0+3300, T0+4000, 30), (T0-300, T0+300, 20)]
def call(path, params):
  data=urllib.parse.urlencode(params).encode()
  try:
    r=urllib.request.urlopen('http://127.0.0.1:19090'+path, data); return json.load(r)
  except urllib.error.HTTPError as e:
    return json.load(e)
cases=[]
for q in qs:
  for t in instants:
    cases.append({'kind':'instant','query':q,'time':t,'response':call('/api/v1/query',{'query':q,'time':repr(t)})})
  for (s,e,st) in ranges:
    cases.append({'kind':'range','query':q,'start':s,'end':e,'step':st,'response':call('/api/v1/query_range',{'query':q,'start':repr(s),'end':repr(e),'step':repr(st)})})
doc={'provenance':'Responses of a real Prometheus 2.42.0 (Debian 12 package 2.42.0+ds-5+deb12u1) to /api/v1/query and /api/v1/query_range over the data of promql/diff/dataset.test (loaded at base time 1700000000 s with promtool tsdb create-blocks-from openmetrics). Queries: promql/diff/queries.txt.',
     'baseMs':T0*1000,'cases':cases}
import gzip
with gzip.open(os.path.join(HERE, 'responses.json.gz'), 'wt') as out:
  json.dump(doc, out, separators=(',',':'))
import collections
c=collections.Counter((x['kind'], x['response']['status']) for x in cases)
print(c)
